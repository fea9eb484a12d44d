// Command pause is the sandbox ("pause") container of test/cluster/node.sh's node: it holds a pod's namespaces
// open and does nothing until SIGINT or SIGTERM, like Kubernetes' own pause image, which cannot be pulled here.
// As PID 1 of the pod it also reaps orphaned children, so zombies do not pile up in a shared PID namespace.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	children := make(chan os.Signal, 16)
	signal.Notify(children, syscall.SIGCHLD)
	for {
		select {
		case <-stop:
			os.Exit(0)
		case <-children:
			for {
				pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
		}
	}
}
