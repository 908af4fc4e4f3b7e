// goback: the singleton backend of the two-tier example (seed 001). It
// answers well over 50 req/s; a share of its answers (FAIL_RATE, default
// 0.02) are non-fatal failures (500), as the seed describes. GET /health
// answers 200 while it runs; GET /work does a little work and says who did it.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log"
	"math/rand"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// Set at build time: -ldflags "-X main.version=1.0.0".
var version = "dev"

func main() {
	failRate, err := strconv.ParseFloat(getenv("FAIL_RATE", "0.02"), 64)
	if err != nil || failRate < 0 || failRate > 1 {
		log.Fatalf("FAIL_RATE must be a number from 0 to 1, got %q", os.Getenv("FAIL_RATE"))
	}
	host, _ := os.Hostname()
	var served atomic.Int64

	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		n := served.Add(1)
		if rand.Float64() < failRate {
			http.Error(w, "non-fatal failure, try again", http.StatusInternalServerError)
			return
		}
		sum := sha256.Sum256([]byte(strconv.FormatInt(n, 10)))
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"backend": host, "backend_version": version, "n": n, "digest": hex.EncodeToString(sum[:8]),
		})
	})

	address := net.JoinHostPort(getenv("APP_ADDRESS", "127.0.0.1"), getenv("APP_PORT", "9000"))
	server := &http.Server{Addr: address, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Printf("goback %s listening on %s (fail rate %.3f)", version, address, failRate)
	log.Fatal(server.ListenAndServe())
}

func getenv(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}
