from passbound.cli import main

main()
