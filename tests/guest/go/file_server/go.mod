module osprey.test/file_server

go 1.19
