// Command demo is the program behind `make run`. It creates a throwaway
// fleet, the central service's keys and one enrolled simulated box under a
// run directory, and starts bin/central and bin/box. It then plays a
// scripted meeting (badge, yes, a Swedish recording, badge), waits until the
// central service holds the whole recording, and prints the web view's
// address. Both programs keep running until Ctrl-C.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ordagrann/ordagrann/internal/audio"
)

type options struct {
	bin, dir, wav             string
	asrURL, asrAPI, asrModel  string
	mqttAddr, httpAddr, badge string
	exit                      bool
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "bin", "directory with the central, box and fleet binaries")
	flag.StringVar(&o.dir, "dir", ".run", "run directory for keys, databases and logs")
	flag.StringVar(&o.wav, "wav", "testdata/audio/meeting-sv.wav", "WAV file the simulated box plays as its microphone")
	flag.StringVar(&o.asrURL, "asr-url", "", "transcription engine base URL (empty: none)")
	flag.StringVar(&o.asrAPI, "asr-api", "whisper-server", "transcription engine API: whisper-server or openai")
	flag.StringVar(&o.asrModel, "asr-model", "", "model name for the openai API")
	flag.StringVar(&o.mqttAddr, "mqtt-addr", "127.0.0.1:8883", "MQTT broker address")
	flag.StringVar(&o.httpAddr, "http-addr", "127.0.0.1:8080", "web UI address")
	flag.StringVar(&o.badge, "badge", "04a1b2c3", "card UID of the demo caseworker's badge")
	flag.BoolVar(&o.exit, "exit", false, "stop both programs once the meeting is stored (and transcribed, with an engine)")
	flag.Parse()
	stopWithParent()

	if err := run(o); err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		os.Exit(1)
	}
}

func run(o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	interrupted = ctx

	if err := setup(o); err != nil {
		return err
	}
	wavDuration, err := duration(o.wav)
	if err != nil {
		return err
	}

	central, err := startCentral(o)
	if err != nil {
		return err
	}
	defer central.stop()
	box, err := startBox(o)
	if err != nil {
		return err
	}
	defer box.stop()

	before, err := recordings(o.httpAddr)
	if err != nil {
		return err
	}
	id, err := playMeeting(ctx, o, wavDuration, len(before))
	if err != nil {
		return err
	}

	user, password := demoAccount(o)
	fmt.Printf("\nWebbvyn: http://%s/recordings/%s\n", o.httpAddr, id)
	fmt.Printf("Logga in som %s med lösenordet %s (sparat i %s).\n", user, password, filepath.Join(o.dir, "demo-konto.txt"))
	fmt.Println("Första gången visas en QR-kod: läs in den med en app för engångskoder, eller skriv in nyckeln som står under den.")
	fmt.Printf("Loggar: %s och %s\n", central.logPath, box.logPath)
	if o.exit {
		return nil
	}
	fmt.Println("Centralservern och boxen körs. Tryck Ctrl-C för att avsluta.")
	select {
	case <-ctx.Done():
	case err := <-central.done:
		return fmt.Errorf("central service exited: %v; see %s", err, central.logPath)
	case err := <-box.done:
		return fmt.Errorf("box exited: %v; see %s", err, box.logPath)
	}
	return nil
}

// setup creates the fleet, the central keys and the enrolled box once.
func setup(o options) error {
	if _, err := os.Stat(filepath.Join(o.dir, "box", "enrollment.json")); err == nil {
		return nil
	}
	if err := os.RemoveAll(o.dir); err != nil {
		return err
	}
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		return err
	}
	fmt.Printf("Skapar en demoflotta, nycklar och en simulerad box i %s\n", o.dir)
	host, _, _ := strings.Cut(o.mqttAddr, ":")
	steps := [][]string{
		{"fleet", "init", "--dir", filepath.Join(o.dir, "fleet")},
		{"central", "init", "--data", filepath.Join(o.dir, "central")},
		{"fleet", "server-cert", "--dir", filepath.Join(o.dir, "fleet"), "--host", host, "--host", "localhost", "--out", filepath.Join(o.dir, "tls")},
		{"fleet", "enroll", "--dir", filepath.Join(o.dir, "fleet"), "--box", "demo-box", "--broker", "ssl://" + o.mqttAddr,
			"--recording-key", filepath.Join(o.dir, "central", "recording-public.json"),
			"--badge", o.badge + "=handlaggare-demo", "--out", filepath.Join(o.dir, "box")},
	}
	for _, s := range steps {
		cmd := exec.Command(filepath.Join(o.bin, s[0]), s[1:]...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s %s failed: %v\n%s", s[0], s[1], err, out.String())
		}
	}
	return createDemoAccount(o)
}

// demoUser is the caseworker account make run creates.
const demoUser = "handlaggare"

// createDemoAccount creates the demo caseworker and keeps its generated
// password in a file only the owner can read, so a later make run can
// show it again.
func createDemoAccount(o options) error {
	out, err := exec.Command(filepath.Join(o.bin, "central"), "account", "create", "--data", filepath.Join(o.dir, "central"),
		"--user", demoUser, "--name", "Demo Handläggare", "--role", "caseworker", "--badge", "handlaggare-demo", "--generate-password").CombinedOutput()
	if err != nil {
		return fmt.Errorf("central account create failed: %v\n%s", err, out)
	}
	var password string
	for _, line := range strings.Split(string(out), "\n") {
		if p, ok := strings.CutPrefix(line, "password: "); ok {
			password = strings.TrimSpace(p)
		}
	}
	if password == "" {
		return fmt.Errorf("central account create printed no password:\n%s", out)
	}
	return os.WriteFile(filepath.Join(o.dir, "demo-konto.txt"), []byte(demoUser+"\n"+password+"\n"), 0o600)
}

// demoAccount returns the demo user name and password saved by createDemoAccount.
func demoAccount(o options) (user, password string) {
	b, err := os.ReadFile(filepath.Join(o.dir, "demo-konto.txt"))
	if err != nil {
		return demoUser, "(okänt: kör make clean och make run igen)"
	}
	user, password, _ = strings.Cut(strings.TrimSpace(string(b)), "\n")
	return user, password
}

func duration(path string) (time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	samples, rate, channels, err := audio.ReadWAV(f)
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", path, err)
	}
	return time.Duration(len(samples)/channels) * time.Second / time.Duration(rate), nil
}

type process struct {
	cmd     *exec.Cmd
	logPath string
	done    chan error
}

func start(o options, name, logName string, args ...string) (*process, error) {
	logPath := filepath.Join(o.dir, logName)
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(o.bin, name), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	stopWithDemo(cmd)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	p := &process{cmd: cmd, logPath: logPath, done: make(chan error, 1)}
	go func() {
		p.done <- cmd.Wait()
		logFile.Close()
	}()
	return p, nil
}

func (p *process) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
	}
}

func startCentral(o options) (*process, error) {
	args := []string{"serve", "--data", filepath.Join(o.dir, "central"), "--mqtt-addr", o.mqttAddr,
		"--tls-cert", filepath.Join(o.dir, "tls", "server.pem"), "--tls-key", filepath.Join(o.dir, "tls", "server-key.pem"),
		"--client-ca", filepath.Join(o.dir, "tls", "ca.pem"), "--fleet", filepath.Join(o.dir, "fleet"), "--http-addr", o.httpAddr}
	if o.asrURL != "" {
		args = append(args, "--asr-url", o.asrURL, "--asr-api", o.asrAPI, "--asr-model", o.asrModel)
	}
	p, err := start(o, "central", "central.log", args...)
	if err != nil {
		return nil, err
	}
	err = waitUntil(20*time.Second, p, func() bool {
		_, err := recordings(o.httpAddr)
		return err == nil
	})
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("central service did not start: %v\n%s", err, tail(p.logPath))
	}
	fmt.Printf("Centralservern körs (MQTT över TLS på %s, webb på http://%s/)\n", o.mqttAddr, o.httpAddr)
	return p, nil
}

func startBox(o options) (*process, error) {
	socket := filepath.Join(o.dir, "box.sock")
	p, err := start(o, "box", "box.log", "run", "--enrollment", filepath.Join(o.dir, "box"),
		"--wav", o.wav, "--wav-end", "loop", "--control", socket)
	if err != nil {
		return nil, err
	}
	err = waitUntil(20*time.Second, p, func() bool {
		reply, err := control(o, "state")
		return err == nil && strings.HasPrefix(reply, "led=")
	})
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("box did not start: %v\n%s", err, tail(p.logPath))
	}
	fmt.Println("Boxen körs (simulerat kort, mikrofonen spelar", o.wav+")")
	return p, nil
}

func playMeeting(ctx context.Context, o options, wavDuration time.Duration, known int) (string, error) {
	step := func(what, command, wantLED string) error {
		fmt.Println(what)
		if reply, err := control(o, command); err != nil || reply != "ok" {
			return fmt.Errorf("%s: %q, %v", command, reply, err)
		}
		if wantLED == "" {
			return nil
		}
		return waitUntil(10*time.Second, nil, func() bool {
			reply, err := control(o, "state")
			return err == nil && reply == "led="+wantLED
		})
	}

	if err := step("Handläggaren blippar sin tagg: boxen frågar om samtycke", "badge "+o.badge, "consent_waiting"); err != nil {
		return "", err
	}
	if err := step("Klienten trycker på den gröna knappen: inspelningen startar", "green", "recording"); err != nil {
		return "", err
	}
	fmt.Printf("Boxen spelar in (%s ljud i realtid)\n", wavDuration.Round(100*time.Millisecond))
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case <-time.After(wavDuration + 500*time.Millisecond):
	}
	if err := step("Handläggaren blippar igen: inspelningen avslutas", "badge "+o.badge, ""); err != nil {
		return "", err
	}
	stopped := time.Now()

	var rec summary
	err := waitUntil(2*time.Minute, nil, func() bool {
		list, err := recordings(o.httpAddr)
		if err != nil || len(list) <= known {
			return false
		}
		rec = list[0]
		return rec.Complete
	})
	if err != nil {
		return "", fmt.Errorf("the recording did not arrive complete at the central service: %v", err)
	}
	fmt.Printf("Hela inspelningen finns på centralservern %s efter stoppet (%d delar, %d transkriberingsjobb)\n",
		time.Since(stopped).Round(time.Millisecond), rec.ChunksReceived, rec.JobsTotal)

	if o.asrURL != "" {
		err := waitUntil(10*time.Minute, nil, func() bool {
			list, err := recordings(o.httpAddr)
			if err != nil || len(list) == 0 {
				return false
			}
			rec = list[0]
			return rec.JobsTotal > 0 && rec.JobsDone == rec.JobsTotal
		})
		if err != nil {
			fmt.Printf("Transkriberingen är inte klar: %d av %d jobb. Kontrollera motorn på %s.\n", rec.JobsDone, rec.JobsTotal, o.asrURL)
		} else {
			fmt.Printf("Utskriften är klar %s efter stoppet (%d segment)\n", time.Since(stopped).Round(time.Millisecond), rec.Segments)
		}
	} else {
		fmt.Println("Ingen transkriberingsmotor är konfigurerad: jobben väntar. Kör make run ASR_URL=http://värd:port ASR_API=whisper-server")
	}
	return rec.ID, nil
}

type summary struct {
	ID             string `json:"id"`
	Complete       bool   `json:"complete"`
	ChunksReceived int64  `json:"chunks_received"`
	JobsTotal      int    `json:"jobs_total"`
	JobsDone       int    `json:"jobs_done"`
	Segments       int    `json:"segments"`
}

func recordings(httpAddr string) ([]summary, error) {
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get("http://" + httpAddr + "/api/v1/recordings")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /api/v1/recordings: %s", resp.Status)
	}
	var list []summary
	return list, json.NewDecoder(resp.Body).Decode(&list)
}

func control(o options, command string) (string, error) {
	out, err := exec.Command(filepath.Join(o.bin, "box"), append([]string{"ctl", "--control", filepath.Join(o.dir, "box.sock")}, strings.Fields(command)...)...).Output()
	return strings.TrimSpace(string(out)), err
}

// interrupted ends every wait when the user presses Ctrl-C.
var interrupted context.Context

// waitUntil polls cond every 100 ms until it holds, the timeout passes, p
// exits or the user interrupts. It checks p before cond, so a process that
// failed to start (a port in use) is not mistaken for another one that
// answers on the same port.
func waitUntil(timeout time.Duration, p *process, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for {
		if p != nil {
			select {
			case err := <-p.done:
				p.done <- err
				return fmt.Errorf("process exited: %v", err)
			default:
			}
		}
		if cond() {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("timed out after " + timeout.String())
		}
		select {
		case <-interrupted.Done():
			return interrupted.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}
