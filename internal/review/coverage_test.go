package review

import (
	"slices"
	"testing"
)

func TestCoverage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		lang    string
		answer  string
		phrases []string
		want    bool
	}{
		{"en inflection", "en", "We retried the requests after timeouts.", []string{"retry"}, true},
		{"en phrase across line break", "en", "it has the same\nresult when repeated", []string{"same result"}, true},
		{"en phrase across punctuation", "en", "Same, result!", []string{"same result"}, true},
		{"en phrase with a word between", "en", "the same final result", []string{"same result"}, true},
		{"en phrase words far apart", "en", "the same thing, in the end, as a result", []string{"same result"}, false},
		{"en phrase words out of order", "en", "result is the same", []string{"same result"}, false},
		{"en related longer stem", "en", "we replicated it", []string{"replication"}, true},
		{"en short stem is not a prefix match", "en", "timeline", []string{"tim"}, false},
		{"nb compound head", "nb", "en god databaseindeks", []string{"indeks"}, true},
		{"a longer phrase word is not covered by its beginning", "nb", "vi brukte en database", []string{"databasereplika"}, false},
		{"nb stem variants", "nb", "flere replikaer", []string{"replika"}, true},
		{"ru related stems", "ru", "транзакционная модель", []string{"транзакция"}, true},
		{"en case blind", "en", "Use an IDEMPOTENCY key", []string{"idempotency key"}, true},
		{"en absent", "en", "I like cats", []string{"cache", "load balancer"}, false},
		{"ru inflection", "ru", "Добавил индексы и кэширование", []string{"индекс"}, true},
		{"ru phrase inflected", "ru", "использовали горизонтальным масштабированием", []string{"горизонтальное масштабирование"}, true},
		{"ru ё folds", "ru", "всё ещё", []string{"все еще"}, true},
		{"ru latin term", "ru", "поставили Redis как cache", []string{"caching"}, true},
		{"nb inflection", "nb", "Vi brukte indekser i databasen", []string{"indeks"}, true},
		{"nb definite form", "nb", "tjenestene snakket via køen", []string{"tjeneste"}, true},
		{"fa zwnj plural", "fa", "از کش‌ها استفاده کردیم", []string{"کش"}, true},
		{"fa space plural", "fa", "از کش ها استفاده کردیم", []string{"کش"}, true},
		{"fa attached plural", "fa", "از کشها استفاده کردیم", []string{"کش"}, true},
		{"fa arabic letters", "fa", "كيفيت سرويس", []string{"کیفیت سرویس"}, true},
		{"fa mi prefix forms", "fa", "این درخواست تکرار میشود", []string{"تکرار می‌شود"}, true},
		{"fa mi prefix spaced", "fa", "این درخواست تکرار می شود", []string{"تکرار می‌شود"}, true},
		{"fa indefinite suffix", "fa", "نمونه‌های بیشتری اجرا کنید", []string{"نمونه بیشتر"}, true},
		{"fa plural after ye, joined", "fa", "با مشتریها صحبت کردم", []string{"مشتری"}, true},
		{"fa plural after ye, with ZWNJ", "fa", "با مشتری‌ها صحبت کردم", []string{"مشتری"}, true},
		{"fa detached possessive", "fa", "داده‌شان را آپدیت کنند", []string{"داده"}, true},
		{"fa digits", "fa", "۳ بار", []string{"3 بار"}, true},
		{"fa diacritics", "fa", "کَش", []string{"کش"}, true},
		{"fa latin term", "fa", "با Load Balancer", []string{"load balancer"}, true},
		{"fa absent", "fa", "سلام دنیا", []string{"کش"}, false},
		{"empty answer", "en", "", []string{"cache"}, false},
		{"empty phrase", "en", "cache", []string{""}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Coverage(tt.lang, tt.answer, [][]string{tt.phrases})
			if got[0] != tt.want {
				t.Errorf("Coverage(%q, %q, %q) = %v, want %v (answer words %q)", tt.lang, tt.answer, tt.phrases, got[0], tt.want, Words(tt.lang, tt.answer))
			}
		})
	}
}

func TestCoverageSeveralPoints(t *testing.T) {
	t.Parallel()
	got := Coverage("en", "Scale out behind a load balancer.", [][]string{{"horizontal scaling", "scale out"}, {"cache"}, {"load balancer"}})
	if want := []bool{true, false, true}; !slices.Equal(got, want) {
		t.Errorf("Coverage = %v, want %v", got, want)
	}
}

func BenchmarkCoverage(b *testing.B) {
	answer := "To make a request idempotent I use an idempotency key stored with a unique index, so a retried payment returns the first result instead of charging twice."
	points := [][]string{{"idempotency key", "request id"}, {"unique index", "unique constraint"}, {"retry", "timeout"}, {"same result", "first result"}}
	for b.Loop() {
		Coverage("en", answer, points)
	}
}
