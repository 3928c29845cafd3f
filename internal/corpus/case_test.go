package corpus

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// caseSummary is a case without its paths, for comparisons.
type caseSummary struct {
	Family, Name, Description     string
	Classes, Deterministic, Known []string
	Buggy, Twin                   string
	Wants                         []string
}

func summarize(c *Case) caseSummary {
	s := caseSummary{c.Family, c.Name, c.Description, c.Classes, c.Deterministic, c.KnownFP, c.Buggy, c.Twin, nil}
	for _, w := range c.Wants {
		s.Wants = append(s.Wants, w.String())
	}
	return s
}

func TestLoadFixtureCorpus(t *testing.T) {
	cases, err := Load("testdata/corpus")
	if err != nil {
		t.Fatal(err)
	}
	var got []caseSummary
	for _, c := range cases {
		got = append(got, summarize(c))
		abs, _ := filepath.Abs(filepath.Join("testdata/corpus", c.Family, c.Name))
		if c.File != abs || c.Dir != filepath.Dir(abs) {
			t.Errorf("%s: File, Dir = %s, %s; want %s and its directory", c.Name, c.File, c.Dir, abs)
		}
	}
	want := []caseSummary{
		{"basic", "handoff_test.go",
			"a variable handed between goroutines by a channel, without a lock:",
			[]string{"lockset"}, []string{"lockset"}, []string{"lockset"},
			"TestRaceHandoff", "TestNoRaceHandoff",
			[]string{`handoff_test.go:15: want race "lockset"`, `handoff_test.go:19: want race "lockset"`}},
		{"basic", "simple_test.go", "two goroutines write a variable with no synchronisation.",
			[]string{"hb", "lockset"}, []string{"hb"}, nil,
			"TestRaceSimple", "TestNoRaceSimple",
			[]string{"simple_test.go:16: want race", "simple_test.go:19: want race"}},
		{"basic", "wrongline_test.go", "fixture for the runner's own tests: the want points at the wrong",
			[]string{"hb"}, []string{"hb"}, nil,
			"TestRaceWrongLine", "TestNoRaceWrongLine",
			[]string{"wrongline_test.go:17: want race"}},
		{"crash", "negwg_test.go", "WaitGroup.Done without Add: the runtime panics.",
			[]string{"runtime"}, []string{"runtime"}, nil,
			"TestPanicNegativeWG", "TestNoPanicNegativeWG",
			[]string{`negwg_test.go:14: want panic "negative WaitGroup counter"`}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Load(testdata/corpus) mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadSkipsTestdataAndHelpers(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "fam", "helper_test.go"), "package fam\n\nfunc helper() {}\n")
	write(t, filepath.Join(dir, "fam", "testdata", "x_test.go"), "package broken {{{")
	write(t, filepath.Join(dir, "_skip", "x_test.go"), "package broken {{{")
	write(t, filepath.Join(dir, "fam", "a_test.go"), goodCase)
	cases, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 1 || cases[0].Family != "fam" || cases[0].Buggy != "TestRaceA" {
		t.Fatalf("Load = %v, want the one case fam/a_test.go", cases)
	}
}

const goodCase = `// Case: a race.
// Classes: hb
// Deterministic: hb

package fam

import "testing"

func TestRaceA(t *testing.T) {
	x := 0
	go func() { x = 1 }() // want race
	_ = x // want race
}

func TestNoRaceA(t *testing.T) {}
`

func write(t *testing.T, name, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(text), 0o666); err != nil {
		t.Fatal(err)
	}
}

// Malformed files are errors naming file:line.
func TestParseCaseErrors(t *testing.T) {
	replace := func(old, new string) string {
		if !strings.Contains(goodCase, old) {
			t.Fatalf("goodCase has no %q", old)
		}
		return strings.Replace(goodCase, old, new, 1)
	}
	tests := []struct {
		name, src, want string
	}{
		{"no header", "package fam\n\nimport \"testing\"\n\nfunc TestRaceA(t *testing.T) {}\nfunc TestNoRaceA(t *testing.T) {}\n",
			"x_test.go:1: missing // Case: header line"},
		{"no classes", replace("// Classes: hb\n", ""), "x_test.go:4: missing // Classes: header line"},
		{"empty classes", replace("// Classes: hb", "// Classes:"), "x_test.go:2: empty // Classes: line"},
		{"empty case", replace("// Case: a race.", "// Case:"), "x_test.go:1: empty // Case: description"},
		{"unknown class", replace("// Classes: hb", "// Classes: hb vectorclock"), `x_test.go:2: unknown class "vectorclock" in // Classes:`},
		{"second classes", replace("// Classes: hb", "// Classes: hb\n// Classes: lockset"), "x_test.go:3: second // Classes: line"},
		{"bad timeout", replace("// Classes: hb", "// Classes: hb\n// Timeout: soon"), `x_test.go:3: // Timeout: "soon" is not a positive duration`},
		{"deterministic not in classes", replace("// Deterministic: hb", "// Deterministic: leak"),
			"x_test.go:5: deterministic class leak is not in // Classes: hb"},
		{"unknown kind", replace("_ = x // want race", "_ = x // want races"), `x_test.go:12: want: unknown kind "races"`},
		{"bad regexp", replace("_ = x // want race", `_ = x // want race "("`), "x_test.go:12: want: error parsing regexp"},
		{"regexp without kind", replace("_ = x // want race", `_ = x // want "x"`), `x_test.go:12: want: regexp "x" follows no kind`},
		{"unterminated quote", replace("_ = x // want race", `_ = x // want race "x`), "x_test.go:12: want: bad quoted regexp"},
		{"empty want", replace("_ = x // want race", `_ = x // want`), "x_test.go:12: want: no kind"},
		{"no twin", replace("TestNoRaceA", "TestNoRaceB"), "x_test.go:5: no buggy test TestX with its twin TestNoX"},
		{"stray test", goodCase + "\nfunc TestOther(t *testing.T) {}\n", "x_test.go:17: test TestOther is neither TestRaceA nor its twin TestNoRaceA"},
		{"want in twin", replace("func TestNoRaceA(t *testing.T) {}", "func TestNoRaceA(t *testing.T) {\n\t_ = 1 // want race\n}"),
			"x_test.go:16: want comment in twin TestNoRaceA"},
		{"no wants", replace("// want race\n\t_ = x // want race", "\n\t_ = x"), "x_test.go:9: buggy test TestRaceA has no // want comment"},
		{"class without its kind", replace("// Classes: hb", "// Classes: hb leak"),
			"x_test.go:9: class leak is in // Classes: but no want is of its kinds (leak, deadlock)"},
		{"syntax error", "package fam\nfunc {", "x_test.go:2:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := filepath.Join(t.TempDir(), "x_test.go")
			write(t, name, tt.src)
			c, err := ParseCase(name)
			if err == nil {
				t.Fatalf("ParseCase = %+v, nil; want error %q", c, tt.want)
			}
			if !strings.Contains(err.Error(), name[:len(name)-len("x_test.go")]+tt.want) {
				t.Errorf("ParseCase error = %q; want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseCase(t *testing.T) {
	src := `package fam

// Case: header after the package clause, wants of every form.
// Classes: hb atomicmix lockorder
// Deterministic:
// Known-FP: lockset hb
// Timeout: 4s

import "testing"

func TestDeadlockA(t *testing.T) {
	x = 1 // want race atomicmix
	mu.Lock() // want deadlock "lock order" race ` + "`a\\sb`" + `
	// wanted: not a want comment
	<-ch //want race "with \"quotes\""
}

// TestMain is not a test.
func TestMain(m *testing.M) {}

func TestNoDeadlockA(t *testing.T) {}
`
	name := filepath.Join(t.TempDir(), "fam", "a_test.go")
	write(t, name, src)
	c, err := ParseCase(name)
	if err != nil {
		t.Fatal(err)
	}
	got := summarize(c)
	want := caseSummary{"", "a_test.go", "header after the package clause, wants of every form.",
		[]string{"hb", "atomicmix", "lockorder"}, nil, []string{"lockset", "hb"},
		"TestDeadlockA", "TestNoDeadlockA",
		[]string{
			"a_test.go:12: want race", "a_test.go:12: want atomicmix",
			`a_test.go:13: want deadlock "lock order"`, `a_test.go:13: want race "a\\sb"`,
			`a_test.go:15: want race "with \"quotes\""`,
		}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseCase mismatch (-want +got):\n%s", diff)
	}
	if c.Timeout != 4*time.Second {
		t.Errorf("Timeout = %v, want 4s", c.Timeout)
	}
}

func TestTwinName(t *testing.T) {
	for in, want := range map[string]string{
		"TestRaceX": "TestNoRaceX", "TestDeadlockMutex": "TestNoDeadlockMutex", "TestLeak": "TestNoLeak",
	} {
		if got := TwinName(in); got != want {
			t.Errorf("TwinName(%s) = %s, want %s", in, got, want)
		}
	}
}
