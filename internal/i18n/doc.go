// Package i18n loads the bot's translations (one YAML file per language in
// locales/), checks that every message exists in every language with the same
// placeholders and the plural forms CLDR requires, and negotiates a user's
// language from a client locale such as Telegram's language_code.
package i18n
