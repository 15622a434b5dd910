"""The fuzz test: damaged and wrong-kind files through the command line."""
