module drace.test/loopvar

go 1.21
