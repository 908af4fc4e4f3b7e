// gofront: the frontend of the two-tier example (seed 001). Like the seed's,
// it serves one request at a time and spends WORK_MS (default 70) on each,
// about 14 req/s, and it crashes when its backend is unavailable: the
// backend cannot be reached, or the proxy in front of it answers 502, 503 or
// 504. systemd respawns it. GET / is its health check too, as in the seed.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

// Set at build time: -ldflags "-X main.version=1.0.0".
var version = "dev"

func main() {
	backendURL := getenv("BACKEND_URL", "http://127.0.0.1:9000") + "/work"
	workMS, err := strconv.Atoi(getenv("WORK_MS", "70"))
	if err != nil || workMS < 0 {
		log.Fatalf("WORK_MS must be a whole number of milliseconds, got %q", os.Getenv("WORK_MS"))
	}
	work := time.Duration(workMS) * time.Millisecond
	host, _ := os.Hostname()
	client := &http.Client{Timeout: 10 * time.Second}
	var one sync.Mutex

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		one.Lock()
		defer one.Unlock()
		time.Sleep(work)
		answer, status, err := ask(client, backendURL)
		if err != nil {
			log.Fatalf("backend unavailable, exiting: %v", err)
		}
		if status != http.StatusOK {
			// A non-fatal failure of the backend: passed on, no crash.
			http.Error(w, fmt.Sprintf("backend answered %d", status), http.StatusBadGateway)
			return
		}
		answer["frontend"] = host
		answer["frontend_version"] = version
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(answer)
	})

	address := net.JoinHostPort(getenv("APP_ADDRESS", "127.0.0.1"), getenv("APP_PORT", "8000"))
	server := &http.Server{Addr: address, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Printf("gofront %s listening on %s, backend %s, %d ms per request", version, address, backendURL, workMS)
	log.Fatal(server.ListenAndServe())
}

// ask returns the backend's JSON answer and status; an error means the
// backend is unavailable.
func ask(client *http.Client, url string) (map[string]any, int, error) {
	response, err := client.Get(url)
	if err != nil {
		return nil, 0, err
	}
	defer response.Body.Close()
	body, err := io.ReadAll(io.LimitReader(response.Body, 1<<16))
	if err != nil {
		return nil, 0, err
	}
	switch response.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return nil, 0, fmt.Errorf("proxy answered %d", response.StatusCode)
	case http.StatusOK:
		answer := map[string]any{}
		if err := json.Unmarshal(body, &answer); err != nil {
			return nil, 0, fmt.Errorf("unreadable answer: %v", err)
		}
		return answer, http.StatusOK, nil
	}
	return nil, response.StatusCode, nil
}

func getenv(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}
