package main

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"sync"
)

// faultConfig is the body of POST /cairn/faults: the complete set of active faults (a field left
// out is off). Times 0 means every time; N > 0 means the next N times, after which it is off.
type faultConfig struct {
	CreateSnapshot   *createSnapshotFault `json:"createSnapshot,omitempty"`
	DatastoreGetDrop *datastoreDrop       `json:"datastoreGetDrop,omitempty"`
	DeniedPrivileges []string             `json:"deniedPrivileges,omitempty"`
	NfcUploadDrop    *nfcUploadDrop       `json:"nfcUploadDrop,omitempty"`
	ImportVApp       *importVAppFault     `json:"importVApp,omitempty"`
	// NfcRequireLength makes NFC uploads without a Content-Length (chunked) fail with 411, as an
	// NFC server that wants the length up front would.
	NfcRequireLength bool `json:"nfcRequireLength,omitempty"`
}

type createSnapshotFault struct {
	Message string `json:"message"`
	Times   int    `json:"times"`
}

type datastoreDrop struct {
	AfterBytes   int64  `json:"afterBytes"`
	Times        int    `json:"times"`
	PathContains string `json:"pathContains,omitempty"`
}

type nfcUploadDrop struct {
	AfterBytes int64 `json:"afterBytes"`
	Times      int   `json:"times"`
}

type importVAppFault struct {
	Message string `json:"message"`
	Times   int    `json:"times"`
}

type faultState struct {
	mu     sync.Mutex
	config faultConfig
}

func (f *faultState) denied(privilege string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range f.config.DeniedPrivileges {
		if id == privilege {
			return true
		}
	}
	return false
}

// takeCreateSnapshot says whether this CreateSnapshot_Task fails, and with what message.
func (f *faultState) takeCreateSnapshot() (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fault := f.config.CreateSnapshot
	if fault == nil {
		return "", false
	}
	if fault.Times > 0 {
		fault.Times--
		if fault.Times == 0 {
			f.config.CreateSnapshot = nil
		}
	}
	message := fault.Message
	if message == "" {
		message = "An error occurred while taking a snapshot: injected by cairn-vcsim."
	}
	return message, true
}

// takeDrop says after how many body bytes this datastore GET loses its connection, or -1.
func (f *faultState) takeDrop(path string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	drop := f.config.DatastoreGetDrop
	if drop == nil || !strings.Contains(path, drop.PathContains) {
		return -1
	}
	if drop.Times > 0 {
		drop.Times--
		if drop.Times == 0 {
			f.config.DatastoreGetDrop = nil
		}
	}
	return drop.AfterBytes
}

// takeNfcDrop says after how many body bytes this NFC upload loses its connection, or -1.
func (f *faultState) takeNfcDrop() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	drop := f.config.NfcUploadDrop
	if drop == nil {
		return -1
	}
	if drop.Times > 0 {
		drop.Times--
		if drop.Times == 0 {
			f.config.NfcUploadDrop = nil
		}
	}
	return drop.AfterBytes
}

// requireLength says whether NFC uploads must carry a Content-Length.
func (f *faultState) requireLength() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.config.NfcRequireLength
}

// takeImportVApp says whether this ImportVApp fails, and with what message.
func (f *faultState) takeImportVApp() (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fault := f.config.ImportVApp
	if fault == nil {
		return "", false
	}
	if fault.Times > 0 {
		fault.Times--
		if fault.Times == 0 {
			f.config.ImportVApp = nil
		}
	}
	message := fault.Message
	if message == "" {
		message = "The operation is not allowed in the current state: injected by cairn-vcsim."
	}
	return message, true
}

// serveFaults: POST sets the fault set, DELETE clears it, GET shows what is left of it.
func (e *extensions) serveFaults(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost, http.MethodPut:
		var config faultConfig
		decoder := json.NewDecoder(r.Body)
		decoder.DisallowUnknownFields()
		if err := decoder.Decode(&config); err != nil {
			http.Error(w, "Cannot set faults: "+err.Error(), http.StatusBadRequest)
			return
		}
		e.faults.mu.Lock()
		e.faults.config = config
		e.faults.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		e.faults.mu.Lock()
		e.faults.config = faultConfig{}
		e.faults.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case http.MethodGet:
		e.faults.mu.Lock()
		data, _ := json.Marshal(e.faults.config)
		e.faults.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(data)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// serveDatastore adds to the simulator's /folder handler: privilege checks, dropped connections,
// and disk files kept at their capacity after a PUT replaces them.
func (e *extensions) serveDatastore(inner http.Handler, w http.ResponseWriter, r *http.Request) {
	privilege := "Datastore.Browse"
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		privilege = "Datastore.FileManagement"
	}
	if e.faults.denied(privilege) {
		http.Error(w, "Permission to perform this operation was denied: "+privilege+" on datastore "+
			r.URL.Query().Get("dsName"), http.StatusForbidden)
		return
	}
	switch r.Method {
	case http.MethodGet:
		if after := e.faults.takeDrop(r.URL.Path); after >= 0 {
			inner.ServeHTTP(&droppingWriter{ResponseWriter: w, left: after}, r)
			return
		}
		inner.ServeHTTP(w, r)
	case http.MethodPut, http.MethodPost:
		e.mu.Lock()
		defer e.mu.Unlock()
		inner.ServeHTTP(w, r)
		_ = e.reconcile()
	default:
		inner.ServeHTTP(w, r)
	}
}

// droppingWriter sends the first bytes of a body, then aborts the connection mid-response, as a
// network failure would.
type droppingWriter struct {
	http.ResponseWriter
	left int64
}

func (d *droppingWriter) Write(p []byte) (int, error) {
	if int64(len(p)) <= d.left {
		d.left -= int64(len(p))
		return d.ResponseWriter.Write(p)
	}
	_, _ = d.ResponseWriter.Write(p[:d.left])
	if flusher, ok := d.ResponseWriter.(http.Flusher); ok {
		flusher.Flush()
	}
	panic(http.ErrAbortHandler) // net/http closes the connection without a log line
}

// serveAPIAlias maps the newer vAPI paths onto the /rest ones the 0.24.2 simulator serves:
// /api/session -> /rest/com/vmware/cis/session and /api/cis/tagging/... ->
// /rest/com/vmware/cis/tagging/..., unwrapping the {"value": ...} envelope of /rest answers.
func serveAPIAlias(inner http.Handler, w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/api/")
	switch {
	case rest == "session":
		r.URL.Path = "/rest/com/vmware/cis/session"
	case strings.HasPrefix(rest, "cis/tagging/"):
		// /api names an object by its bare id (tag/ID, category/ID, tag-association/ID);
		// /rest wants tag/id:ID.
		parts := strings.SplitN(rest, "/", 4)
		if len(parts) == 4 && !strings.HasPrefix(parts[3], "id:") {
			parts[3] = "id:" + parts[3]
		}
		r.URL.Path = "/rest/com/vmware/" + strings.Join(parts, "/")
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		if action := r.URL.Query().Get("action"); action != "" {
			q := r.URL.Query()
			q.Del("action")
			q.Set("~action", action)
			r.URL.RawQuery = q.Encode()
		}
	}
	recorder := newRecorder()
	inner.ServeHTTP(recorder, r)
	body := recorder.body
	// The 0.24.2 vAPI simulator answers text/plain, so recognise the envelope by its shape.
	var wrapped map[string]json.RawMessage
	if json.Unmarshal(body, &wrapped) == nil && len(wrapped) == 1 && wrapped["value"] != nil {
		body = append(wrapped["value"], '\n')
		recorder.header.Set("Content-Type", "application/json")
	}
	for name, values := range recorder.header {
		switch name {
		case "Content-Length":
		case "Set-Cookie":
			// Its session cookie is scoped to /rest; /api clients need it too.
			for _, value := range values {
				w.Header().Add(name, strings.Replace(value, "Path=/rest", "Path=/", 1))
			}
		default:
			w.Header()[name] = values
		}
	}
	w.WriteHeader(recorder.status)
	_, _ = w.Write(body)
}

type recorder struct {
	header http.Header
	status int
	body   []byte
}

func newRecorder() *recorder { return &recorder{header: http.Header{}, status: http.StatusOK} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) { r.status = status }

func (r *recorder) Write(p []byte) (int, error) {
	r.body = append(r.body, p...)
	return len(p), nil
}

func xmlEscape(w io.Writer, s string) error { return xml.EscapeText(w, []byte(s)) }
