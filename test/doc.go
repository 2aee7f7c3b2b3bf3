// Package test holds the end-to-end tests of the client against the
// in-process fake in package sptest (and small fakes of its own): the fault
// matrix, secret-leak checks, benchmarks and load tests. It has no non-test
// code.
package test
