// Package bank holds the question bank: tracks, topics and questions in four
// languages, loaded from YAML files and validated so that every problem is
// reported as "file:line: message".
package bank
