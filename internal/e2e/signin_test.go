package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/hal/sim"
	"github.com/ordagrann/ordagrann/internal/centralsvc"
	"github.com/ordagrann/ordagrann/ui"
	"github.com/ordagrann/ordagrann/ui/authtest"
)

// webClient is a browser stand-in over real HTTP that keeps the session
// cookie itself: Go's cookie jar would not send a Secure cookie over
// http://127.0.0.1, while Chromium does (loopback is a secure context).
type webClient struct {
	t      *testing.T
	base   string
	cookie string
}

func (c *webClient) do(method, path string, form url.Values) (int, string, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: ui.SessionCookie, Value: c.cookie})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, ck := range resp.Cookies() {
		if ck.Name == ui.SessionCookie {
			c.cookie = ck.Value
		}
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// TestSignInThenReadIsLogged signs a caseworker in with password and TOTP
// through the running service, opens a recording, and finds the sign-in
// and the read in the access log under the caseworker's account.
func TestSignInThenReadIsLogged(t *testing.T) {
	f := newFleet(t)
	c := f.startCentral(t, "")
	bx := f.startBox(t, wavMic(t, meeting1ch, sim.EndEOF))
	startMeeting(t, bx)
	rec := waitComplete(t, c)

	acc := authtest.Enrolled(t, c.svc.Accounts(), time.Now(), auth.NewAccount{
		UserName: "anna", DisplayName: "Anna Andersson", Role: auth.RoleCaseworker, Password: authtest.Password,
	})
	// A caseworker reads the recordings started with her badge.
	if err := c.svc.Accounts().SetBadges(context.Background(), acc.ID, []string{rec.BadgeID}); err != nil {
		t.Fatal(err)
	}
	web := &webClient{t: t, base: "http://" + c.svc.HTTPAddr().String()}

	if code, loc, _ := web.do(http.MethodGet, "/recordings/"+rec.ID, nil); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/logga-in") {
		t.Fatalf("recording without sign-in = %d to %q, want a redirect to sign-in", code, loc)
	}
	if code, loc, body := web.do(http.MethodPost, "/logga-in", url.Values{"username": {"anna"}, "password": {authtest.Password}}); code != http.StatusSeeOther {
		t.Fatalf("password step = %d to %q:\n%s", code, loc, body)
	}
	_, _, page := web.do(http.MethodGet, "/logga-in/kod", nil)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("code page has no CSRF field:\n%s", page)
	}
	// The enrolment used the current TOTP step; the next one (within the
	// accepted skew) is a fresh code.
	code := authtest.Code(t, acc.Secret, time.Now().Add(30*time.Second))
	if status, loc, body := web.do(http.MethodPost, "/logga-in/kod", url.Values{"code": {code}, "csrf_token": {m[1]}}); status != http.StatusSeeOther || loc != "/" {
		t.Fatalf("code step = %d to %q:\n%s", status, loc, body)
	}
	if status, _, body := web.do(http.MethodGet, "/recordings/"+rec.ID, nil); status != http.StatusOK {
		t.Fatalf("recording after sign-in = %d:\n%s", status, body)
	}

	entries, err := c.svc.Audit().Query(context.Background(), audit.Filter{Actor: acc.ID})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, string(e.Action)+":"+e.RecordingID)
	}
	// Enrolment signed in and out once before; this test's sign-in and read come last.
	want := []string{"login:", "logout:", "login:", "read:" + rec.ID}
	if strings.Join(actions, ",") != strings.Join(want, ",") {
		t.Errorf("access log of the caseworker = %v, want %v", actions, want)
	}
}

// TestWebOverTLS serves the web UI with the fleet's server certificate, as
// for tablets on the network: the sign-in page answers over HTTPS for a
// client that trusts the fleet CA.
func TestWebOverTLS(t *testing.T) {
	f := newFleet(t)
	logger, _ := newLogger(t, "central")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc, err := centralsvc.Start(ctx, centralsvc.Config{
		DataDir: f.dataDir, MQTTAddr: f.mqttAddr,
		TLSCertFile: filepath.Join(f.tlsDir, "server.pem"), TLSKeyFile: filepath.Join(f.tlsDir, "server-key.pem"),
		ClientCAFile: filepath.Join(f.tlsDir, "ca.pem"), FleetDir: f.fleetDir,
		HTTPAddr: "127.0.0.1:0", WebTLSCertFile: filepath.Join(f.tlsDir, "server.pem"), WebTLSKeyFile: filepath.Join(f.tlsDir, "server-key.pem"),
		Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()

	caPEM, err := os.ReadFile(filepath.Join(f.tlsDir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get("https://" + svc.HTTPAddr().String() + "/logga-in")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "lang=\"sv\"") {
		t.Errorf("GET /logga-in over TLS = %d, want the Swedish sign-in page", resp.StatusCode)
	}
	if resp, err := http.Get("http://" + svc.HTTPAddr().String() + "/logga-in"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP to the TLS port got a page")
		}
	}
}
