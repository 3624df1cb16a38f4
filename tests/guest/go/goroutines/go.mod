module osprey.test/goroutines

go 1.19
