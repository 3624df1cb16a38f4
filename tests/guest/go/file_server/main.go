// A static Go HTTP server (CGO_ENABLED=0): net/http's file server over the VM's network,
// reached from the host through `osprey run -p`. Serves the directory named by its
// argument on port 8080.
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Println("usage: file_server DIRECTORY")
		os.Exit(2)
	}
	fmt.Println("file_server: listening on :8080")
	if err := http.ListenAndServe(":8080", http.FileServer(http.Dir(os.Args[1]))); err != nil {
		fmt.Println("file_server:", err)
		os.Exit(1)
	}
}
