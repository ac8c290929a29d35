"""`python -m autodiff_cli`: the same as the `autodiff` command."""

from .interface.launch import main

if __name__ == "__main__":
    main()
