package basic

// A helper file: no header, no tests; not a case.

func helper() int { return 1 }
