// Package review judges answers — which key points an answer covers — and
// schedules repetitions with FSRS: when a question is due again.
//
// Coverage compares normalised words: text is lower-cased, split into words on
// anything that is not a letter or digit, and each word is reduced to a
// comparable form — a Snowball stem for English, Norwegian and Russian, and a
// normalised form for Persian. A phrase is covered when its words occur in the
// answer in order, with at most two other words between them, each equal to
// an answer word or the beginning of one (see Matcher).
package review
