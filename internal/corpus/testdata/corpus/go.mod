module drace.test/corpus

go 1.26
