module drace.test/churn

go 1.26
