// Package sim is the simulated board: two buttons, a badge reader and a
// status LED driven by method calls, by lines from the terminal or by a
// local control socket, and a microphone that plays a WAV file. Tests,
// scripts and `box --board sim` use it to run the whole box on a computer
// without the hardware. It also provides ManualClock, a clock that tests
// move by hand.
//
// # Control protocol
//
// Board.ServeLines (the terminal) and Board.ListenControl (a Unix socket
// with mode 0600) take one command per line and write one reply line per
// command. Blank lines get no reply. Lines are at most 1024 bytes.
//
//	g | green            short press on green (yes, resume)    → ok
//	r | red              short press on red (no, pause)        → ok
//	R | long             long press on red (withdraw consent)  → ok
//	b | badge <hex-uid>  tap a badge, such as: badge 04a1b2c3  → ok
//	state                the LED state                         → led=recording
//	help                 the command list                      → ok commands: …
//
// A command that fails gets "error: " and the reason, such as
// "error: unknown command "x": send help for the list". "R" is the only
// command whose case matters; "r" is a short press.
//
// For example, with socat:
//
//	echo 'badge 04a1b2c3' | socat - UNIX-CONNECT:/run/ordagrann/box.sock
//
// LED changes are logged with the message "led changed" and the key
// led_state.
package sim
