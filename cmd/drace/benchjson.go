package main

// drace bench and drace eval: rendering as JSON (-json).

import (
	"encoding/json"
	"io"
)

// writeBenchJSON writes a report (bench's, with all samples and
// summaries, or eval's) as one indented JSON object.
func writeBenchJSON(w io.Writer, rep any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
