// Package interview is the bot's domain: the mock-interview conversation.
//
// It is platform-neutral: an adapter (the terminal, Telegram) turns what a
// user does into an Event, and the Engine handles it in one storage
// transaction that saves what the user typed, changes the conversation's
// state and queues the Replies. The package talks to storage only through
// the Store and Tx interfaces it declares, and to translations through
// Translator.
package interview
