package main

import (
	"bytes"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"strings"
	"sync"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// nfcPrefix is where the simulator's ImportVApp points its device URLs:
// https://*/nfc/<lease>/<disk file name>.
const nfcPrefix = "/nfc/"

// importLease is an ImportVApp lease as the extensions know it: the VM the simulator created
// for it and the disks its device URLs take.
type importLease struct {
	vm    types.ManagedObjectReference
	disks map[string]*leaseDisk // by the device URL's file name
}

// leaseDisk is one disk of an import: where its bytes go and how many there may be.
type leaseDisk struct {
	fileName   string // datastore path of the descriptor, "[ds] dir/name.vmdk"
	descriptor string // host path of the descriptor
	capacity   int64
	// uploading serializes uploads of the same disk, as each one rewrites the whole file.
	uploading sync.Mutex
}

// vmRefs lists the VMs in the inventory, to tell which one ImportVApp created.
func vmRefs() map[types.ManagedObjectReference]bool {
	refs := map[types.ManagedObjectReference]bool{}
	for _, entity := range simulator.Map.All("VirtualMachine") {
		refs[entity.Reference()] = true
	}
	return refs
}

// recordLease remembers the lease the simulator just answered ImportVApp with: its id from the
// answer, its VM (the one VM that did not exist before; callers hold e.mu, so no other call
// created VMs meanwhile) and each disk's file under the name the simulator's device URL uses.
func (e *extensions) recordLease(req *types.ImportVApp, answer []byte, before map[types.ManagedObjectReference]bool) error {
	leaseID, err := returnedLease(answer)
	if err != nil {
		return err
	}
	var created []*simulator.VirtualMachine
	for _, entity := range simulator.Map.All("VirtualMachine") {
		if !before[entity.Reference()] {
			created = append(created, entity.(*simulator.VirtualMachine))
		}
	}
	var vm *simulator.VirtualMachine
	for _, candidate := range created {
		if spec, ok := req.Spec.(*types.VirtualMachineImportSpec); !ok || candidate.Name == spec.ConfigSpec.Name || len(created) == 1 {
			vm = candidate
		}
	}
	if vm == nil {
		return fmt.Errorf("cannot find the VM of lease %s among %d new VMs", leaseID, len(created))
	}
	lease := &importLease{vm: vm.Self, disks: map[string]*leaseDisk{}}
	var failure error
	simulator.Map.WithLock(vm, func() {
		for _, disk := range virtualDisks(vm) {
			fileName := fileBacking(disk).FileName
			var p object.DatastorePath
			p.FromString(fileName)
			descriptor, err := hostPath(fileName)
			if err != nil {
				failure = err
				return
			}
			lease.disks[path.Base(p.Path)] = &leaseDisk{fileName: fileName, descriptor: descriptor, capacity: diskCapacity(disk)}
		}
	})
	if failure != nil {
		return fmt.Errorf("cannot map the disks of lease %s: %v", leaseID, failure)
	}
	e.leasesMu.Lock()
	e.leases[leaseID] = lease
	e.leasesMu.Unlock()
	return nil
}

// returnedLease reads the lease id from ImportVApp's answer, <returnval type="HttpNfcLease">.
func returnedLease(answer []byte) (string, error) {
	decoder := xml.NewDecoder(bytes.NewReader(answer))
	inLease := false
	for {
		token, err := decoder.Token()
		if err != nil {
			return "", fmt.Errorf("cannot find the lease in ImportVApp's answer: %v", err)
		}
		switch t := token.(type) {
		case xml.StartElement:
			inLease = false
			if t.Name.Local == "returnval" {
				for _, attr := range t.Attr {
					inLease = inLease || attr.Name.Local == "type" && attr.Value == "HttpNfcLease"
				}
			}
		case xml.CharData:
			if inLease {
				return strings.TrimSpace(string(t)), nil
			}
		}
	}
}

func (e *extensions) lease(id string) *importLease {
	e.leasesMu.Lock()
	defer e.leasesMu.Unlock()
	return e.leases[id]
}

// forgetLease drops a lease the simulator has completed: its VM and disks stay.
func (e *extensions) forgetLease(id string) {
	e.leasesMu.Lock()
	defer e.leasesMu.Unlock()
	delete(e.leases, id)
}

// abortLease removes what an aborted import made, as vSphere does: the VM (destroyed by the
// simulator itself, through a Destroy_Task in the aborting session) and its disk files. Callers
// hold e.mu.
func (e *extensions) abortLease(inner http.Handler, r *http.Request, id string) error {
	lease := e.lease(id)
	if lease == nil {
		return nil
	}
	e.forgetLease(id)
	if simulator.Map.Get(lease.vm) != nil {
		envelope := `<?xml version="1.0" encoding="UTF-8"?>` +
			`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>` +
			`<Destroy_Task xmlns="urn:vim25">` + moRefXML("_this", lease.vm) + `</Destroy_Task>` +
			`</soapenv:Body></soapenv:Envelope>`
		destroy := httptest.NewRequest(http.MethodPost, r.URL.Path, strings.NewReader(envelope))
		destroy.Header.Set("Content-Type", "text/xml; charset=utf-8")
		for _, cookie := range r.Cookies() {
			destroy.AddCookie(cookie)
		}
		answer := httptest.NewRecorder()
		inner.ServeHTTP(answer, destroy)
		if answer.Code != http.StatusOK || simulator.Map.Get(lease.vm) != nil {
			return fmt.Errorf("cannot destroy VM %s of aborted lease %s: HTTP %d %s",
				lease.vm.Value, id, answer.Code, strings.TrimSpace(answer.Body.String()))
		}
	}
	for _, disk := range lease.disks {
		for _, file := range []string{flatName(disk.descriptor), disk.descriptor} {
			if err := os.Remove(file); err != nil && !os.IsNotExist(err) {
				return fmt.Errorf("cannot delete %s of aborted lease %s: %v", file, id, err)
			}
		}
	}
	delete(e.tracking, lease.vm)
	for disk := range e.disks {
		if disk.vm == lease.vm {
			delete(e.disks, disk)
		}
	}
	return nil
}

// serveNFC takes disk uploads to import leases: PUT or POST of a streamOptimized VMDK to
// /nfc/<lease>/<disk>. GET goes to the simulator.
func (e *extensions) serveNFC(inner http.Handler, w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		inner.ServeHTTP(w, r)
		return
	case http.MethodPut, http.MethodPost:
	default:
		// The simulator's handler would copy from a nil body for these.
		http.Error(w, "Cannot "+r.Method+" "+r.URL.Path+": NFC URLs take GET, PUT and POST", http.StatusMethodNotAllowed)
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, nfcPrefix), "/")
	if len(parts) != 2 {
		http.Error(w, "Cannot upload to "+r.URL.Path+": not of the form /nfc/<lease>/<disk>", http.StatusNotFound)
		return
	}
	leaseID, name := parts[0], parts[1]
	lease := e.lease(leaseID)
	if lease == nil {
		log.Printf("nfc %s %s: no import lease %s", r.Method, r.URL.Path, leaseID)
		http.Error(w, "Cannot upload "+name+": no import lease "+leaseID, http.StatusNotFound)
		return
	}
	disk := lease.disks[name]
	if disk == nil {
		log.Printf("nfc %s %s: lease %s has no disk %s", r.Method, r.URL.Path, leaseID, name)
		http.Error(w, "Cannot upload "+name+": lease "+leaseID+" has no disk of that name", http.StatusNotFound)
		return
	}
	if r.ContentLength < 0 && e.faults.requireLength() {
		log.Printf("nfc %s %s: refused, no Content-Length (fault nfcRequireLength)", r.Method, disk.fileName)
		_, _ = io.Copy(io.Discard, r.Body)
		http.Error(w, "Cannot upload "+name+": a Content-Length is required", http.StatusLengthRequired)
		return
	}
	disk.uploading.Lock()
	defer disk.uploading.Unlock()

	body := io.Reader(r.Body)
	var dropper *droppingReader
	if after := e.faults.takeNfcDrop(); after >= 0 {
		dropper = &droppingReader{in: r.Body, left: after}
		body = dropper
	}
	written, err := importDisk(body, disk)
	var bad *badStream
	isBad := errors.As(err, &bad)
	if isBad {
		// Read the rest, so the client sees the answer rather than a connection closed under
		// an unfinished request body.
		_, _ = io.Copy(io.Discard, body)
	}
	if dropper != nil {
		// A body shorter than afterBytes loses its answer instead.
		log.Printf("nfc %s %s: connection dropped after %d bytes (fault nfcUploadDrop)", r.Method, disk.fileName, dropper.consumed)
		dropConnection(w)
		return
	}
	switch {
	case isBad:
		message := fmt.Sprintf("Cannot import %s of lease %s: %s", disk.fileName, leaseID, bad.reason)
		log.Printf("nfc %s: %s", r.Method, message)
		http.Error(w, message, http.StatusBadRequest)
	case err != nil:
		message := fmt.Sprintf("Cannot import %s of lease %s: %v", disk.fileName, leaseID, err)
		log.Printf("nfc %s: %s", r.Method, message)
		http.Error(w, message, http.StatusInternalServerError)
	default:
		log.Printf("nfc %s %s: %d grains of data", r.Method, disk.fileName, written)
		w.WriteHeader(http.StatusOK)
	}
}

// importDisk replaces the disk's bytes with those of the stream: the flat file starts again as
// all holes of the disk's capacity, and only grains with data are written.
func importDisk(body io.Reader, disk *leaseDisk) (int64, error) {
	stream := newStreamReader(body, disk.capacity)
	if err := stream.readHeader(); err != nil {
		return 0, err
	}
	flat, err := os.OpenFile(flatName(disk.descriptor), os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer flat.Close()
	if err := flat.Truncate(0); err != nil {
		return 0, err
	}
	if err := flat.Truncate(disk.capacity); err != nil {
		return 0, err
	}
	return stream.copyGrains(flat)
}

// droppingReader ends an upload's body after a number of bytes, for the nfcUploadDrop fault.
type droppingReader struct {
	in       io.Reader
	left     int64
	consumed int64
}

var errDropped = errors.New("connection dropped by fault nfcUploadDrop")

func (d *droppingReader) Read(p []byte) (int, error) {
	if d.left <= 0 {
		return 0, errDropped
	}
	if int64(len(p)) > d.left {
		p = p[:d.left]
	}
	n, err := d.in.Read(p)
	d.left -= int64(n)
	d.consumed += int64(n)
	return n, err
}

// dropConnection closes the client's connection without an answer, with a TCP reset where it
// can, as a network failure would.
func dropConnection(w http.ResponseWriter) {
	hijacker, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // HTTP/2: net/http resets the stream
	}
	conn, _, err := hijacker.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	raw := conn
	if tlsConn, ok := conn.(*tls.Conn); ok {
		raw = tlsConn.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = raw.Close()
}
