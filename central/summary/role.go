package summary

import "strings"

// Role is a speaker's part in the meeting.
type Role int

// Roles.
const (
	RoleUnknown Role = iota
	RoleCaseworker
	RoleClient
	RoleInterpreter
	RoleRelative     // a parent, partner or other family member of the client
	RoleProfessional // another professional, such as a teacher or a nurse
)

func (r Role) String() string {
	switch r {
	case RoleCaseworker:
		return "caseworker"
	case RoleClient:
		return "client"
	case RoleInterpreter:
		return "interpreter"
	case RoleRelative:
		return "relative"
	case RoleProfessional:
		return "professional"
	default:
		return "unknown"
	}
}

// Swedish returns the role as the user interface names it.
func (r Role) Swedish() string {
	switch r {
	case RoleCaseworker:
		return "handläggare"
	case RoleClient:
		return "klient"
	case RoleInterpreter:
		return "tolk"
	case RoleRelative:
		return "anhörig"
	case RoleProfessional:
		return "annan yrkesperson"
	default:
		return "okänd roll"
	}
}

// clientSide reports whether what a speaker of role r says is the client's
// account: the client, the interpreter who renders the client's words, and
// relatives.
func (r Role) clientSide() bool {
	return r == RoleClient || r == RoleInterpreter || r == RoleRelative
}

// labelRoles maps words in a speaker label, as a caseworker renames
// "Talare 1", to roles. The first match in label order wins.
var labelRoles = []struct {
	word string
	role Role
}{
	{"handläggare", RoleCaseworker}, {"socialsekreterare", RoleCaseworker}, {"utredare", RoleCaseworker},
	{"socialtjänst", RoleCaseworker}, {"biståndshandläggare", RoleCaseworker},
	{"tolk", RoleInterpreter},
	{"klient", RoleClient}, {"sökande", RoleClient}, {"brukare", RoleClient}, {"barn", RoleClient},
	{"ungdom", RoleClient}, {"elev", RoleClient}, {"dotter", RoleRelative}, {"son", RoleRelative},
	{"mamma", RoleRelative}, {"pappa", RoleRelative}, {"förälder", RoleRelative}, {"vårdnadshavare", RoleRelative},
	{"mor", RoleRelative}, {"far", RoleRelative}, {"partner", RoleRelative}, {"maka", RoleRelative},
	{"make", RoleRelative}, {"syster", RoleRelative}, {"bror", RoleRelative}, {"anhörig", RoleRelative},
	{"farmor", RoleRelative}, {"mormor", RoleRelative}, {"morfar", RoleRelative}, {"farfar", RoleRelative},
	{"lärare", RoleProfessional}, {"mentor", RoleProfessional}, {"kurator", RoleProfessional},
	{"skolsköterska", RoleProfessional}, {"sjuksköterska", RoleProfessional}, {"läkare", RoleProfessional},
	{"god man", RoleProfessional}, {"kontaktperson", RoleProfessional}, {"boendestödjare", RoleProfessional},
	{"polis", RoleProfessional}, {"rektor", RoleProfessional}, {"psykolog", RoleProfessional},
}

// roleFromLabel returns the role that a speaker label names, or
// RoleUnknown for labels such as "Talare 2".
func roleFromLabel(label string) Role {
	words := strings.FieldsFunc(strings.ToLower(label), func(r rune) bool {
		return r == ' ' || r == '(' || r == ')' || r == ',' || r == '-' || r == ':'
	})
	joined := " " + strings.Join(words, " ") + " "
	for _, lr := range labelRoles {
		if strings.Contains(joined, " "+lr.word+" ") {
			return lr.role
		}
	}
	return RoleUnknown
}
