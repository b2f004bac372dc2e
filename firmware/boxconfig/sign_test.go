package boxconfig_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ordagrann/ordagrann/firmware/boxconfig"
)

func TestSignVerifyConfig(t *testing.T) {
	fx := newFixture(t, "room-12")
	cfg := testConfig("room-12")

	data, sig, err := boxconfig.SignConfig(fx.it.signer, cfg)
	if err != nil {
		t.Fatalf("SignConfig: %v", err)
	}
	got, err := fx.enrollment.VerifyConfig(data, sig)
	if err != nil {
		t.Fatalf("VerifyConfig: %v", err)
	}

	// SignConfig sorts badges by UID.
	want := cfg
	want.Badges = []boxconfig.Badge{cfg.Badges[1], cfg.Badges[0]}
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("VerifyConfig() mismatch (-want +got):\n%s", diff)
	}
}

func TestSignConfigRejectsInvalid(t *testing.T) {
	fx := newFixture(t, "room-12")
	cfg := testConfig("room-12")
	cfg.Badges = append(cfg.Badges, boxconfig.Badge{UID: "04a1b2c3", ID: "cw-0003"})

	if _, _, err := boxconfig.SignConfig(fx.it.signer, cfg); err == nil || !strings.Contains(err.Error(), "listed twice") {
		t.Errorf("SignConfig(duplicate UID) error = %v, want one that says listed twice", err)
	}
}

func TestVerifyConfigRejects(t *testing.T) {
	fx := newFixture(t, "room-12")
	data, sig, err := boxconfig.SignConfig(fx.it.signer, testConfig("room-12"))
	if err != nil {
		t.Fatal(err)
	}
	otherBoxData, otherBoxSig, err := boxconfig.SignConfig(fx.it.signer, testConfig("room-13"))
	if err != nil {
		t.Fatal(err)
	}
	foreignData, foreignSig, err := boxconfig.SignConfig(newSigningKeys(t).signer, testConfig("room-12"))
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Replace(data, []byte(`"cw-0001"`), []byte(`"cw-0666"`), 1)
	if bytes.Equal(tampered, data) {
		t.Fatalf("test setup: badge id cw-0001 not found in\n%s", data)
	}
	truncatedSig := sig[:len(sig)-1]
	flippedSig := bytes.Clone(sig)
	flippedSig[len(flippedSig)-1] ^= 1

	tests := []struct {
		name      string
		data, sig []byte
		want      error
	}{
		{"tampered", tampered, sig, boxconfig.ErrBadSignature},
		{"flipped_signature", data, flippedSig, boxconfig.ErrBadSignature},
		{"truncated_signature", data, truncatedSig, boxconfig.ErrBadSignature},
		{"other_box", otherBoxData, otherBoxSig, boxconfig.ErrWrongBox},
		{"other_key", foreignData, foreignSig, boxconfig.ErrUntrustedSigner},
		{"empty_signature", data, nil, boxconfig.ErrNoSignature},
		{"signature_of_other_config", data, otherBoxSig, boxconfig.ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fx.enrollment.VerifyConfig(tt.data, tt.sig)
			if !errors.Is(err, tt.want) {
				t.Fatalf("VerifyConfig() = %v, %v, want error %v", got, err, tt.want)
			}
			if !strings.Contains(err.Error(), "fleet config") {
				t.Errorf("error %q does not say how to fix it with fleet config", err)
			}
		})
	}
}

func TestLoadConfigFiles(t *testing.T) {
	fx := newFixture(t, "room-12")
	data, sig, err := boxconfig.SignConfig(fx.it.signer, testConfig("room-12"))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		want    error // nil: LoadConfig must succeed
	}{
		{"valid", func(t *testing.T, dir string) {}, nil},
		{"missing_config", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, boxconfig.ConfigFile)) }, boxconfig.ErrNoConfig},
		{"missing_signature", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, boxconfig.SignatureFile)) }, boxconfig.ErrNoSignature},
		{"empty_signature", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, boxconfig.SignatureFile), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}, boxconfig.ErrNoSignature},
		{"edited_config", func(t *testing.T, dir string) {
			edited := bytes.Replace(data, []byte(`"1m0s"`), []byte(`"10m0s"`), 1)
			if bytes.Equal(edited, data) {
				t.Fatalf("test setup: consent timeout \"1m0s\" not found in\n%s", data)
			}
			if err := os.WriteFile(filepath.Join(dir, boxconfig.ConfigFile), edited, 0o644); err != nil {
				t.Fatal(err)
			}
		}, boxconfig.ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := boxconfig.WriteConfig(dir, data, sig); err != nil {
				t.Fatal(err)
			}
			tt.prepare(t, dir)

			got, err := fx.enrollment.LoadConfig(dir)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("LoadConfig: %v", err)
				}
				if got.BoxID != "room-12" || len(got.Badges) != 2 {
					t.Errorf("LoadConfig() = %+v, want room-12 with 2 badges", got)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("LoadConfig() = %v, %v, want error %v", got, err, tt.want)
			}
		})
	}
}

func FuzzVerifyConfig(f *testing.F) {
	fx := newFixture(f, "room-12")
	data, sig, err := boxconfig.SignConfig(fx.it.signer, testConfig("room-12"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data, sig)
	f.Add(bytes.Replace(data, []byte("cw-0001"), []byte("cw-0666"), 1), sig)
	f.Add(data, sig[:5])
	f.Add([]byte(validConfigJSON), sig)
	f.Fuzz(func(t *testing.T, gotData, gotSig []byte) {
		c, err := fx.enrollment.VerifyConfig(gotData, gotSig)
		if err != nil {
			return
		}

		// Only the bytes IT signed pass.
		if !bytes.Equal(gotData, data) {
			t.Fatalf("VerifyConfig accepted unsigned bytes %q as %+v", gotData, c)
		}
	})
}
