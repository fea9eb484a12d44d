module pinhole.dev/test/cluster/pause

go 1.22
