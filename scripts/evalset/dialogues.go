package main

// voice is how espeak-ng speaks for one person.
type voice struct {
	name  string // espeak-ng voice with variant, such as "sv+f3"
	pitch int    // espeak-ng -p, 0 to 99
	speed int    // espeak-ng -s, words per minute
}

// person is one speaker of a dialogue and the seat they talk from.
type person struct {
	id    string
	voice voice
	// azimuth is the seat's direction seen from the box, in degrees
	// counter-clockwise from the box's X axis; distance is in metres.
	azimuth, distance float64
	caseworker        bool
}

// line is one utterance. overlap starts it that many seconds before the
// previous utterance ends, so it interrupts.
type line struct {
	speaker int
	text    string
	lang    string // espeak-ng language when not Swedish
	overlap float64
}

type dialogue struct {
	name    string
	people  []person
	lines   []line
	comment string
}

var (
	voiceCaseworker = voice{name: "sv+f3", pitch: 60, speed: 165}
	voiceClient     = voice{name: "sv+m3", pitch: 35, speed: 175}
	voiceRelative   = voice{name: "sv+f1", pitch: 75, speed: 185}
	voiceOfficer    = voice{name: "sv+m7", pitch: 45, speed: 150}
	voiceInterp     = voice{name: "sv+f5", pitch: 50, speed: 170}
)

// Seats put the speakers at clearly different angles from the 2-mic axis:
// a two-microphone array hears only the angle to its axis, so seats that
// mirror each other across the axis sound alike to it.
func dialogues() []dialogue {
	return []dialogue{
		{
			name:    "two",
			comment: "caseworker and client, ordinary turn-taking",
			people: []person{
				{id: "handlaggare", voice: voiceCaseworker, azimuth: 200, distance: 1.0, caseworker: true},
				{id: "klient", voice: voiceClient, azimuth: 330, distance: 1.2},
			},
			lines: []line{
				{speaker: 0, text: "Hej och välkommen. Jag heter Anna och jag är din handläggare här på socialtjänsten."},
				{speaker: 1, text: "Hej. Tack för att jag fick komma hit idag."},
				{speaker: 0, text: "Vi ska prata om din ansökan om ekonomiskt bistånd. Har du med dig kontoutdragen?"},
				{speaker: 1, text: "Ja, jag har dem här. Det är för de senaste tre månaderna."},
				{speaker: 0, text: "Bra. Hur ser din boendesituation ut just nu?"},
				{speaker: 1, text: "Jag bor i en lägenhet i andra hand, men kontraktet går ut i mars."},
				{speaker: 0, text: "Har du pratat med hyresvärden om att förlänga kontraktet?"},
				{speaker: 1, text: "Nej, inte än. Jag vet inte riktigt hur jag ska göra."},
				{speaker: 0, text: "Då kan vi titta på det tillsammans nästa gång vi ses."},
				{speaker: 1, text: "Det låter bra. När kan vi ses igen?"},
				{speaker: 0, text: "Vi kan boka en ny tid om två veckor, på torsdag klockan tio."},
				{speaker: 1, text: "Det passar mig. Tack så mycket för hjälpen."},
			},
		},
		{
			name:    "interrupt",
			comment: "caseworker and client who interrupt each other",
			people: []person{
				{id: "handlaggare", voice: voiceCaseworker, azimuth: 200, distance: 1.0, caseworker: true},
				{id: "klient", voice: voiceOfficer, azimuth: 340, distance: 1.1},
			},
			lines: []line{
				{speaker: 0, text: "Vi har fått en orosanmälan från skolan och behöver prata om den."},
				{speaker: 1, text: "Det där stämmer inte alls, det vill jag säga direkt.", overlap: 0.8},
				{speaker: 0, text: "Jag förstår att det känns jobbigt. Får jag berätta vad som står i den?"},
				{speaker: 1, text: "Ja, okej, berätta.", overlap: 0.4},
				{speaker: 0, text: "Skolan skriver att ditt barn ofta kommer utan frukost och är trött på morgonen."},
				{speaker: 1, text: "Men det är ju för att hon inte vill äta så tidigt!", overlap: 1.0},
				{speaker: 0, text: "Det kan vara så. Vi vill bara förstå hur det ser ut hemma."},
				{speaker: 1, text: "Hemma fungerar det bra. Vi äter middag tillsammans varje kväll."},
				{speaker: 0, text: "Skulle du kunna tänka dig att vi gör ett hembesök?", overlap: 0.3},
				{speaker: 1, text: "Ja, det går bra, om ni ringer innan."},
			},
		},
		{
			name:    "three",
			comment: "caseworker, client and a relative",
			people: []person{
				{id: "handlaggare", voice: voiceCaseworker, azimuth: 200, distance: 1.0, caseworker: true},
				{id: "klient", voice: voiceClient, azimuth: 330, distance: 1.2},
				{id: "anhorig", voice: voiceRelative, azimuth: 85, distance: 1.3},
			},
			lines: []line{
				{speaker: 0, text: "Välkomna båda två. Vi ska prata om hur stödet i hemmet fungerar."},
				{speaker: 1, text: "Det fungerar för det mesta, men kvällarna är svåra."},
				{speaker: 2, text: "Jag hjälper till så mycket jag kan, men jag jobbar heltid."},
				{speaker: 0, text: "Hur ofta är du där på kvällarna?"},
				{speaker: 2, text: "Ungefär tre kvällar i veckan."},
				{speaker: 1, text: "Och de andra kvällarna är jag ensam hela tiden.", overlap: 0.3},
				{speaker: 0, text: "Då kan vi ansöka om hemtjänst på kvällstid."},
				{speaker: 2, text: "Det skulle vara en stor lättnad för oss båda."},
				{speaker: 1, text: "Hur lång tid tar det att få ett beslut?"},
				{speaker: 0, text: "Vanligtvis tar det ungefär tre veckor."},
			},
		},
		{
			name:    "four",
			comment: "caseworker, client, relative and a second officer",
			people: []person{
				{id: "handlaggare", voice: voiceCaseworker, azimuth: 180, distance: 1.0, caseworker: true},
				{id: "klient", voice: voiceClient, azimuth: 0, distance: 1.2},
				{id: "anhorig", voice: voiceRelative, azimuth: 65, distance: 1.3},
				{id: "kollega", voice: voiceOfficer, azimuth: 120, distance: 1.2},
			},
			lines: []line{
				{speaker: 0, text: "Jag har med mig min kollega Erik idag, som arbetar med boendefrågor."},
				{speaker: 3, text: "Hej, trevligt att träffas."},
				{speaker: 1, text: "Hej. Det här är min syster, hon följer med som stöd."},
				{speaker: 2, text: "Hej, jag heter Lena."},
				{speaker: 0, text: "Vi börjar med boendet. Erik, kan du berätta vad som finns?"},
				{speaker: 3, text: "Det finns ett träningsboende med lediga platser från februari."},
				{speaker: 1, text: "Hur många bor där?"},
				{speaker: 3, text: "Sex personer, med personal dygnet runt."},
				{speaker: 2, text: "Får man ha besök på kvällarna?", overlap: 0.2},
				{speaker: 3, text: "Ja, fram till klockan nio."},
				{speaker: 0, text: "Vill du att vi går vidare med en ansökan?"},
				{speaker: 1, text: "Ja, det vill jag."},
			},
		},
		{
			name:    "interpreter",
			comment: "caseworker, interpreter and a Finnish-speaking client",
			people: []person{
				{id: "handlaggare", voice: voiceCaseworker, azimuth: 200, distance: 1.0, caseworker: true},
				{id: "tolk", voice: voiceInterp, azimuth: 90, distance: 1.1},
				{id: "klient", voice: voice{name: "fi+m3", pitch: 30, speed: 170}, azimuth: 335, distance: 1.2},
			},
			lines: []line{
				{speaker: 0, text: "Välkommen. Jag vill börja med att fråga hur du mår idag."},
				{speaker: 1, text: "Tervetuloa. Haluan aloittaa kysymällä, mitä sinulle kuuluu tänään.", lang: "fi"},
				{speaker: 2, text: "Kiitos, ihan hyvin, mutta olen vähän väsynyt.", lang: "fi"},
				{speaker: 1, text: "Tack, ganska bra, men jag är lite trött."},
				{speaker: 0, text: "Har du haft kontakt med vårdcentralen om tröttheten?"},
				{speaker: 1, text: "Oletko ollut yhteydessä terveyskeskukseen väsymyksen takia?", lang: "fi"},
				{speaker: 2, text: "En ole, koska en tiedä, miten sinne soitetaan.", lang: "fi"},
				{speaker: 1, text: "Nej, för jag vet inte hur man ringer dit."},
				{speaker: 0, text: "Då kan vi ringa tillsammans efter mötet."},
				{speaker: 1, text: "Voimme soittaa yhdessä tapaamisen jälkeen.", lang: "fi"},
			},
		},
	}
}
