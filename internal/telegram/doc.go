// Package telegram puts the interview engine on Telegram.
//
// Intake (long polling or a webhook) stores every raw Update in the inbox
// before Telegram is told it arrived. Workers claim updates one chat at a
// time, in update_id order, decode each into an interview.Event and handle
// it in one transaction that also queues the replies in the outbox. The
// sender delivers the outbox in order per chat within Telegram's rate
// limits, honouring 429 retry_after, 403 (blocked) and group migrations.
// The library github.com/go-telegram/bot is used for its types and its send
// methods; intake is this package's own, because the library confirms
// updates before they are handled.
package telegram
