// Package postgres is the bot's storage on PostgreSQL with pgx: connecting
// (and creating the database when it is missing), migrations, the
// transactional store behind the interview engine, and the outbox.
package postgres
