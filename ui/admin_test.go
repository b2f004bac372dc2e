package ui

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/ui/authtest"
)

// newAdmin adds an enrolled admin to e and signs it in.
func (e *accessEnv) newAdmin(t *testing.T) (authtest.Account, *browser) {
	t.Helper()
	acc := authtest.Enrolled(t, e.store, e.clock.Now(), auth.NewAccount{UserName: "it.admin", DisplayName: "IT Admin", Role: auth.RoleAdmin})
	e.clock.Advance(30 * time.Second)
	b := e.signIn(t, acc)
	e.access.take()
	return acc, b
}

var passwordShown = regexp.MustCompile(`id="losenord">([A-Z2-7]{26})<`)

func TestAdminCreatesAccount(t *testing.T) {
	e := newAccessEnv(t)
	admin, b := e.newAdmin(t)

	// The admin's start page is the account list.
	checkRedirect(t, b.get("/"), pathAdmin)
	list := b.get(pathAdmin)
	checkPage(t, list, http.StatusOK, "Test anna")
	for _, want := range []string{"anna-1", "<strong>IT Admin</strong>, IT-administratör", `href="/admin"`} {
		if !strings.Contains(list.Body.String(), want) {
			t.Errorf("account list does not contain %q", want)
		}
	}

	form := b.get(pathAdminNew)
	token := csrf(t, form)
	w := b.post(pathAdminNew, url.Values{CSRFField: {token}, "anvandarnamn": {"Eva.Lund"}, "namn": {"Eva Lund"}, "roll": {"caseworker"}, "team": {"Team Nord"}})
	checkPage(t, w, http.StatusCreated, "Lösenordet visas bara nu")
	m := passwordShown.FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("created page shows no password:\n%s", w.Body)
	}

	// The account exists and signs in with the password shown.
	_, sess, err := e.store.SignIn(context.Background(), "eva.lund", m[1])
	if err != nil || sess.Stage != auth.StageEnrol {
		t.Fatalf("SignIn(eva.lund, shown password) = stage %v, %v, want enrolment", sess.Stage, err)
	}
	want := []accessCall{{Actor: admin.ID, Action: "admin", Detail: AccessDetail{Op: "create_account", AccountID: sess.Account.ID, Role: auth.RoleCaseworker}}}
	if diff := cmp.Diff(want, e.access.take()); diff != "" {
		t.Errorf("access log calls (-want +got):\n%s", diff)
	}
	if strings.Contains(e.logs.String(), m[1]) {
		t.Errorf("log contains the generated password")
	}

	tests := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"taken", url.Values{"anvandarnamn": {"anna"}, "namn": {"Anna 2"}, "roll": {"caseworker"}}, http.StatusConflict, "redan upptaget"},
		{"bad_user_name", url.Values{"anvandarnamn": {"anna berg"}, "namn": {"Anna"}, "roll": {"caseworker"}}, http.StatusBadRequest, "Användarnamnet får bara"},
		{"bad_role", url.Values{"anvandarnamn": {"x1"}, "namn": {"X"}, "roll": {"root"}}, http.StatusBadRequest, "Välj en roll"},
		{"no_name", url.Values{"anvandarnamn": {"x2"}, "namn": {" "}, "roll": {"caseworker"}}, http.StatusBadRequest, "Skriv personens namn"},
		{"manager_without_team", url.Values{"anvandarnamn": {"x3"}, "namn": {"X"}, "roll": {"manager"}}, http.StatusBadRequest, "måste ha ett team"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set(CSRFField, token)
			checkPage(t, b.post(pathAdminNew, tt.form), tt.status, tt.want)
			if calls := e.access.take(); len(calls) != 0 {
				t.Errorf("access log calls for a rejected form = %+v, want none", calls)
			}
		})
	}
}

func TestAdminPagesRejectOthers(t *testing.T) {
	e := newAccessEnv(t)
	_, admin := e.newAdmin(t)
	anna := e.people["anna"]
	before, err := e.store.ListAccounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	// A caseworker and a manager get the role page for reads and changes.
	for _, name := range []string{"anna", "maja"} {
		b := e.signIn(t, e.people[name])
		token := csrf(t, b.get("/"))
		checkPage(t, b.get(pathAdmin), http.StatusForbidden, "Du har inte behörighet")
		checkPage(t, b.get(pathAdminAccount+anna.ID), http.StatusForbidden, "Du har inte behörighet")
		checkPage(t, b.post(pathAdminNew, url.Values{CSRFField: {token}, "anvandarnamn": {"x" + name}, "namn": {"X"}, "roll": {"admin"}}), http.StatusForbidden, "Du har inte behörighet")
		checkPage(t, b.post(pathAdminAccount+anna.ID+"/taggar", url.Values{CSRFField: {token}, "taggar": {"stulen-1"}}), http.StatusForbidden, "Du har inte behörighet")
	}

	// The admin without the CSRF token, or with another session's, changes nothing.
	other := e.signIn(t, e.people["bo"])
	otherToken := csrf(t, other.get("/"))
	for _, form := range []url.Values{{}, {CSRFField: {otherToken}}} {
		form.Set("bekrafta", "ja")
		checkPage(t, admin.post(pathAdminAccount+anna.ID+"/stang-av", form), http.StatusForbidden, "Formuläret kunde inte skickas")
		checkPage(t, admin.post(pathAdminAccount+anna.ID+"/aterstall-tvafaktor", form), http.StatusForbidden, "Formuläret kunde inte skickas")
		form.Set("taggar", "x-1")
		checkPage(t, admin.post(pathAdminAccount+anna.ID+"/taggar", form), http.StatusForbidden, "Formuläret kunde inte skickas")
		form.Set("anvandarnamn", "ny")
		form.Set("namn", "Ny")
		form.Set("roll", "admin")
		checkPage(t, admin.post(pathAdminNew, form), http.StatusForbidden, "Formuläret kunde inte skickas")
	}

	after, err := e.store.ListAccounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Signing in the other people moves their last sign-in time, nothing else.
	if diff := cmp.Diff(before, after, cmpopts.IgnoreFields(auth.Account{}, "LastLoginAt")); diff != "" {
		t.Errorf("accounts changed by rejected requests (-want +got):\n%s", diff)
	}
	if badges, _ := e.store.Badges(context.Background(), anna.ID); !cmp.Equal(badges, []string{"anna-1"}) {
		t.Errorf("anna's badges after rejected requests = %v, want [anna-1]", badges)
	}
	if calls := e.access.take(); len(calls) != 0 {
		t.Errorf("access log calls for rejected requests = %+v, want none", calls)
	}
}

func TestAdminSetsBadges(t *testing.T) {
	e := newAccessEnv(t)
	admin, b := e.newAdmin(t)
	ctx := context.Background()
	anna, bo := e.people["anna"], e.people["bo"]
	page := b.get(pathAdminAccount + anna.ID)
	checkPage(t, page, http.StatusOK, `value="anna-1"`)
	token := csrf(t, page)
	path := pathAdminAccount + anna.ID + "/taggar"

	checkRedirect(t, b.post(path, url.Values{CSRFField: {token}, "taggar": {"Anna-2, anna-1\nanna-3"}}), pathAdminAccount+anna.ID+"?klart=taggar")
	checkPage(t, b.get(pathAdminAccount+anna.ID+"?klart=taggar"), http.StatusOK, "Taggarna är sparade.")
	if got, _ := e.store.Badges(ctx, anna.ID); !cmp.Equal(got, []string{"anna-1", "anna-2", "anna-3"}) {
		t.Errorf("Badges(anna) = %v, want [anna-1 anna-2 anna-3]", got)
	}
	want := []accessCall{{Actor: admin.ID, Action: "admin", Detail: AccessDetail{Op: "set_badges", AccountID: anna.ID, Badges: []string{"anna-1", "anna-2", "anna-3"}}}}
	if diff := cmp.Diff(want, e.access.take()); diff != "" {
		t.Errorf("access log calls (-want +got):\n%s", diff)
	}

	tests := []struct {
		name   string
		badges string
		status int
		want   string
	}{
		{"taken_by_another", "anna-1 bo-1", http.StatusConflict, "Taggen bo-1 tillhör redan ett annat konto (Test bo, bo)"},
		{"invalid_character", "anna_1", http.StatusBadRequest, "1 till 64 tecken"},
		{"too_long", strings.Repeat("a", 65), http.StatusBadRequest, "1 till 64 tecken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkPage(t, b.post(path, url.Values{CSRFField: {token}, "taggar": {tt.badges}}), tt.status, tt.want)
			if got, _ := e.store.Badges(ctx, anna.ID); !cmp.Equal(got, []string{"anna-1", "anna-2", "anna-3"}) {
				t.Errorf("Badges(anna) after a rejected change = %v, want unchanged", got)
			}
			if got, _ := e.store.Badges(ctx, bo.ID); !cmp.Equal(got, []string{"bo-1"}) {
				t.Errorf("Badges(bo) after a rejected change = %v, want [bo-1]", got)
			}
		})
	}
	if calls := e.access.take(); len(calls) != 0 {
		t.Errorf("access log calls for rejected changes = %+v, want none", calls)
	}

	checkPage(t, b.get(pathAdminAccount+"no-such-account"), http.StatusNotFound, "Sidan finns inte")
	checkPage(t, b.post(pathAdminAccount+"no-such-account/taggar", url.Values{CSRFField: {token}, "taggar": {"x-1"}}), http.StatusNotFound, "Sidan finns inte")
}

func TestAdminResetsAndDisables(t *testing.T) {
	e := newAccessEnv(t)
	admin, b := e.newAdmin(t)
	ctx := context.Background()
	anna := e.people["anna"]
	annaBrowser := e.signIn(t, anna)
	token := csrf(t, b.get(pathAdminAccount+anna.ID))

	// Without the confirmation box nothing happens.
	checkPage(t, b.post(pathAdminAccount+anna.ID+"/aterstall-tvafaktor", url.Values{CSRFField: {token}}), http.StatusBadRequest, "Kryssa i rutan")
	checkPage(t, b.post(pathAdminAccount+anna.ID+"/stang-av", url.Values{CSRFField: {token}}), http.StatusBadRequest, "Kryssa i rutan")
	if acc, _ := e.store.Account(ctx, anna.ID); !acc.TOTPEnrolled || acc.Disabled {
		t.Errorf("anna after unconfirmed changes = enrolled %v, disabled %v, want enrolled and active", acc.TOTPEnrolled, acc.Disabled)
	}

	// An admin cannot lock themselves out.
	checkPage(t, b.post(pathAdminAccount+admin.ID+"/stang-av", url.Values{CSRFField: {token}, "bekrafta": {"ja"}}), http.StatusForbidden, "ditt eget konto")
	if calls := e.access.take(); len(calls) != 0 {
		t.Errorf("access log calls for rejected changes = %+v, want none", calls)
	}

	checkRedirect(t, b.post(pathAdminAccount+anna.ID+"/aterstall-tvafaktor", url.Values{CSRFField: {token}, "bekrafta": {"ja"}}), pathAdminAccount+anna.ID+"?klart=tvafaktor")
	if acc, _ := e.store.Account(ctx, anna.ID); acc.TOTPEnrolled {
		t.Errorf("anna after reset: TOTPEnrolled = true, want false")
	}
	checkRedirect(t, annaBrowser.get("/"), pathSignIn)

	checkRedirect(t, b.post(pathAdminAccount+anna.ID+"/stang-av", url.Values{CSRFField: {token}, "bekrafta": {"ja"}}), pathAdminAccount+anna.ID+"?klart=avstangt")
	checkPage(t, b.get(pathAdminAccount+anna.ID+"?klart=avstangt"), http.StatusOK, "Avstängt")
	if acc, _ := e.store.Account(ctx, anna.ID); !acc.Disabled {
		t.Errorf("anna after disable: Disabled = false, want true")
	}

	want := []accessCall{
		{Actor: admin.ID, Action: "admin", Detail: AccessDetail{Op: "reset_second_factor", AccountID: anna.ID}},
		{Actor: admin.ID, Action: "admin", Detail: AccessDetail{Op: "disable_account", AccountID: anna.ID}},
	}
	if diff := cmp.Diff(want, e.access.take()); diff != "" {
		t.Errorf("access log calls (-want +got):\n%s", diff)
	}
}
