module minitwit/tools

go 1.26.0
