module drace.test/bench

go 1.26
