module example.com/evaldemo

go 1.26
