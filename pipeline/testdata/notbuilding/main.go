// Package main is a Lambda function that does not compile, for the tests
// of an App whose code cannot be built.
package main

func main() { handler() }
