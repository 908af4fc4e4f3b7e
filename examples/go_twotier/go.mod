module example.org/go_twotier

go 1.19
