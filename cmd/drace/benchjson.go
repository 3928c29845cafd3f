package main

// drace bench: rendering as JSON (-json).

import (
	"encoding/json"
	"io"
)

// writeBenchJSON writes the report, all samples and summaries, as one
// indented JSON object.
func writeBenchJSON(w io.Writer, rep benchReport) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
