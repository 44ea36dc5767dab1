package wssecurity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Password hashes in a users file are argon2id in the PHC string format
// ("$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>", RFC 9106 and the PHC
// string format, Base64 without padding) or bcrypt ("$2a$", "$2b$",
// "$2y$"), both from golang.org/x/crypto (choice: the Go project's own
// implementations, no cgo; argon2id is what HashPassword writes, bcrypt is
// read for hashes made by other tools such as htpasswd -B).

// Parameters HashPassword uses: RFC 9106, 4 second recommended option is
// 2 GiB, too much for a gateway that verifies on every request; these are
// OWASP's minimum for argon2id (19 MiB, 2 passes, 1 lane), as a verified
// password is cached (see Verifier).
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Bounds on the parameters of a hash read from a users file (choice): a
// hash beyond them would let one request take seconds or a large share of
// memory.
const (
	maxArgonMemory  = 256 * 1024 // KiB
	maxArgonTime    = 16
	maxArgonThreads = 16
	maxBcryptCost   = 15
)

// HashPassword returns the argon2id PHC string of password, with a random
// salt, for the password_hash of a users file.
func HashPassword(password string) (string, error) {
	if len(password) > MaxPasswordLen {
		return "", fmt.Errorf("password longer than %d bytes", MaxPasswordLen)
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("reading random salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// HashPasswordBcrypt returns the bcrypt hash of password at cost.
func HashPasswordBcrypt(password string, cost int) (string, error) {
	if cost < bcrypt.MinCost || cost > maxBcryptCost {
		return "", fmt.Errorf("bcrypt cost %d: want %d to %d", cost, bcrypt.MinCost, maxBcryptCost)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("hashing password: %w", err)
	}
	return string(h), nil
}

// passwordHash is a parsed password hash.
type passwordHash struct {
	bcrypt []byte // a bcrypt hash; else argon2id below
	salt   []byte
	key    []byte
	memory uint32
	time   uint32
	lanes  uint8
}

// parsePasswordHash parses s and checks its parameters against the bounds.
func parsePasswordHash(s string) (*passwordHash, error) {
	switch {
	case strings.HasPrefix(s, "$argon2id$"):
		return parseArgon2id(s)
	case strings.HasPrefix(s, "$2a$"), strings.HasPrefix(s, "$2b$"), strings.HasPrefix(s, "$2y$"):
		cost, err := bcrypt.Cost([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("not a bcrypt hash: %w", err)
		}
		if cost > maxBcryptCost {
			return nil, fmt.Errorf("bcrypt cost %d is over %d", cost, maxBcryptCost)
		}
		return &passwordHash{bcrypt: []byte(s)}, nil
	}
	return nil, errors.New(`not an argon2id ("$argon2id$...") or bcrypt ("$2b$...") hash; make one with wsgw passwd`)
}

func parseArgon2id(s string) (*passwordHash, error) {
	parts := strings.Split(s, "$") // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 {
		return nil, errors.New("argon2id hash: want $argon2id$v=19$m=M,t=T,p=P$salt$key")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return nil, fmt.Errorf("argon2id hash: version %q, want v=%d", parts[2], argon2.Version)
	}
	h := &passwordHash{}
	var lanes uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.memory, &h.time, &lanes); err != nil || n != 3 {
		return nil, fmt.Errorf("argon2id hash: parameters %q, want m=M,t=T,p=P", parts[3])
	}
	if h.memory < 8*lanes || h.memory > maxArgonMemory || h.time < 1 || h.time > maxArgonTime ||
		lanes < 1 || lanes > maxArgonThreads {
		return nil, fmt.Errorf("argon2id hash: parameters %s outside m<=%d, 1<=t<=%d, 1<=p<=%d",
			parts[3], maxArgonMemory, maxArgonTime, maxArgonThreads)
	}
	h.lanes = uint8(lanes)
	var err error
	b64 := base64.RawStdEncoding
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < 8 || len(h.salt) > 64 {
		return nil, errors.New("argon2id hash: the salt is not Base64 of 8 to 64 bytes")
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 64 {
		return nil, errors.New("argon2id hash: the key is not Base64 of 16 to 64 bytes")
	}
	return h, nil
}

// hashSlots bounds the password hashes computed at once to the CPUs
// (at least 2): each argon2id check holds its memory parameter (19 MiB
// for HashPassword's, up to 256 MiB) for its whole run, so requests
// carrying passwords, right or wrong, from however many addresses
// (the failed-authentication limit is per address) could otherwise make
// the process hold one such buffer per request in flight. Hashing is
// CPU-bound: more at once than CPUs would not finish sooner. The others
// wait their turn, bounded by the stages that admitted their requests.
var hashSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// check reports whether password matches h, in time independent of where
// they differ. It waits for one of hashSlots.
func (h *passwordHash) check(password string) bool {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	if h.bcrypt != nil {
		return bcrypt.CompareHashAndPassword(h.bcrypt, []byte(password)) == nil
	}
	key := argon2.IDKey([]byte(password), h.salt, h.time, h.memory, h.lanes, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1
}
