package postgres

// For the external tests: the claims and how their transactions begin.
var (
	ClaimSQL   = claimSQL
	HeadSQL    = headSQL
	BeginClaim = beginClaim
)
