package summary

// cue is a phrase of lower-case whole words that marks a sentence as
// belonging to a section, with its weight.
type cue struct {
	phrase string
	weight float64
}

var purposeCues = []cue{
	{"syftet", 2}, {"syfte", 2}, {"anledningen", 2}, {"anledning", 1}, {"vi ses idag", 2},
	{"vi träffas idag", 2}, {"träffas idag", 1}, {"idag ska vi", 2}, {"ska vi prata", 1.5},
	{"vill prata om", 1.5}, {"ska prata om", 1.5}, {"handlar om", 1.5}, {"kallat", 1},
	{"kallade", 1}, {"orosanmälan", 2}, {"anmälan", 1}, {"ansökan", 1}, {"ansökt", 1},
	{"utredning", 1.5}, {"utredningen", 1.5}, {"uppföljning", 1.5}, {"följa upp", 1.5},
	{"följer upp", 1.5}, {"samtalet idag", 2}, {"mötet idag", 2}, {"dagens möte", 2},
	{"dagens samtal", 2}, {"bakgrunden", 1}, {"därför vi ses", 2}, {"därför vi träffas", 2},
}

var agreementCues = []cue{
	{"överens", 2}, {"kommit fram till", 2}, {"bestämt", 2}, {"bestämmer", 2}, {"beslut", 1},
	{"beslutat", 2}, {"beviljar", 2}, {"beviljas", 2}, {"beviljat", 2}, {"vi gör så", 2},
	{"då gör vi", 2}, {"vi gör så här", 2}, {"jag ansöker", 1.5}, {"ska ansöka", 1.5},
	{"lovar", 1.5}, {"jag lovar", 2}, {"går med på", 2}, {"accepterar", 1.5}, {"tackar ja", 2},
	{"planen är", 2}, {"vi säger så", 2}, {"jag ska", 1}, {"du ska", 1}, {"vi ska", 1},
	{"ska jag", 0.5}, {"ska du", 0.5}, {"kommer jag att", 1}, {"kommer du att", 1},
	{"skickar", 1}, {"bokar", 1}, {"hjälper dig", 1}, {"ordnar", 1}, {"tar kontakt", 1},
	{"kontaktar", 1}, {"ringer", 0.5}, {"samtycker", 1.5}, {"samtycke", 1}, {"insats", 1},
	{"insatsen", 1}, {"okej då", 1}, {"det låter bra", 1}, {"jag kommer att", 1},
	{"vi kommer att", 1}, {"jag kommer också att", 1}, {"vi kommer också att", 1},
	{"jag föreslår", 1.5}, {"föreslår", 1}, {"erbjuda", 1}, {"erbjuder", 1}, {"beställer", 1},
	{"anmäler", 1}, {"ansöka om", 1}, {"jag hjälper", 1},
}

var futureCues = []cue{
	{"ska", 1}, {"kommer", 1}, {"nästa", 1}, {"ses", 1}, {"återkommer", 1.5}, {"senast", 1.5},
	{"bokar", 1}, {"bokat", 1}, {"möte", 0.5}, {"mötet", 0.5}, {"tid", 0.5}, {"innan", 0.5},
	{"till dess", 1}, {"framöver", 1}, {"kallelse", 1}, {"planerat", 1}, {"efter", 0.3},
	{"hör av mig", 1.5}, {"hör av dig", 1.5}, {"ringer", 0.5}, {"skickar", 0.5},
	{"blir", 0.5}, {"första", 0.5}, {"börjar", 1}, {"startar", 1}, {"fortsätter", 1},
	{"imorgon", 1}, {"i morgon", 1}, {"ikväll", 1}, {"inom", 1}, {"från den", 0.5}, {"till den", 0.5},
}

var nextStepCues = []cue{
	{"nästa möte", 2}, {"nästa gång", 2}, {"nästa vecka", 1.5}, {"återkommer", 1.5},
	{"återbesök", 2}, {"ses igen", 2}, {"hör av mig", 1.5}, {"hör av dig", 1.5},
	{"kallelse", 1}, {"senast", 1.5}, {"om två veckor", 1.5}, {"om en vecka", 1.5},
	{"om en månad", 1.5}, {"uppföljning", 1}, {"uppföljningsmöte", 2}, {"skickar", 1},
	{"bokar", 1}, {"ringer", 1}, {"kontaktar", 1}, {"tar kontakt", 1}, {"beslut", 1},
	{"inom", 1}, {"första besöket", 2}, {"första träffen", 2}, {"börjar", 1}, {"imorgon", 1},
}

// accountCues mark sentences in which the client describes their own
// situation.
var accountCues = []cue{
	{"jag har", 0.5}, {"jag är", 0.5}, {"jag bor", 1}, {"jag jobbar", 1}, {"jag mår", 1},
	{"jag känner", 1}, {"jag vill", 0.5}, {"jag kan inte", 1}, {"jag har inte", 1},
	{"hon säger", 0.5}, {"han säger", 0.5}, {"hon berättar", 1}, {"han berättar", 1},
	{"det började", 1}, {"sedan dess", 1}, {"problemet är", 1}, {"orolig", 1}, {"rädd", 1},
}

// selfCues are the words of a speaker telling about their own life, and
// listenerCues the words that address the listener. Both decide the
// client's account when a transcript names no speakers.
var selfCues = []cue{
	{"jag", 1}, {"mig", 1}, {"min", 1}, {"mitt", 1}, {"mina", 1},
}

var listenerCues = []cue{
	{"du", 1}, {"dig", 1}, {"din", 1}, {"ditt", 1}, {"dina", 1}, {"ni", 1}, {"er", 1}, {"era", 1},
}

// caseworkerCues are first-person phrases of the caseworker's part:
// what they will do, propose or take note of.
var caseworkerCues = []cue{
	{"jag ska", 1}, {"jag kommer att", 1}, {"jag föreslår", 1}, {"jag förstår", 1},
	{"jag skickar", 1}, {"jag bokar", 1}, {"jag skriver", 1}, {"jag noterar", 1},
	{"jag tänker att vi", 1}, {"jag vill att vi", 1}, {"jag hör att", 1}, {"jag heter", 1},
	{"jag är handläggare", 1}, {"jag är socialsekreterare", 1}, {"jag jobbar som", 1}, {"jag är tolk", 1},
}

var introductionCues = []cue{
	{"jag heter", 1}, {"mitt namn är", 1}, {"jag är tolk", 1}, {"jag är handläggare", 1},
	{"jag är socialsekreterare", 1}, {"jag jobbar som", 1}, {"jag är mamma", 1},
	{"jag är pappa", 1}, {"jag är hans", 1}, {"jag är hennes", 1}, {"jag är lärare", 1},
	{"jag är mentor", 1},
}

// confirmations start a reply that accepts a proposal.
var confirmations = []string{
	"ja", "jo", "okej", "absolut", "visst", "gärna", "det gör jag", "det gör vi", "det låter bra",
	"det går bra", "det fungerar", "det passar", "det blir bra", "javisst", "precis", "självklart",
}

// interpretingCues mark an interpreter's statements about the
// interpreting.
var interpretingCues = []cue{
	{"tolk", 1}, {"tolka", 1}, {"tolkar", 1}, {"tystnadsplikt", 1}, {"jagform", 1}, {"tolken", 1},
}

// proposalCues mark a sentence that proposes or offers something, so that a
// yes in reply makes it an agreement.
var proposalCues = []cue{
	{"kan vi", 1}, {"ska vi", 1}, {"vill du", 1}, {"får jag", 1}, {"jag kan", 1}, {"vi kan", 1},
	{"ska jag", 1}, {"går det bra", 1}, {"kan jag", 1}, {"vill ni", 1}, {"passar det", 1},
}
