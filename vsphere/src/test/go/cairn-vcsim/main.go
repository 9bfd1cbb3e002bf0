// Command cairn-vcsim serves govmomi's vCenter simulator (simulator.VPX) with the extensions
// Cairn's vSphere connector is tested against: real disk bytes, changed block tracking,
// QueryChangedDiskAreas, disk uploads through ImportVApp's NFC lease and injectable faults. See
// README.md.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"

	// Registers the vAPI endpoints (/rest: session, tagging) with the simulator.
	_ "github.com/vmware/govmomi/vapi/simulator"
)

// ready is the one line printed to stdout once the server accepts connections.
type ready struct {
	URL        string            `json:"url"`
	Thumbprint string            `json:"thumbprint"`
	CertPem    string            `json:"certPem"`
	User       string            `json:"user"`
	Password   string            `json:"password"`
	Datastores map[string]string `json:"datastores"`
}

func main() {
	datacenters := flag.Int("dc", 1, "number of datacenters")
	clusters := flag.Int("cluster", 1, "number of clusters per datacenter")
	hosts := flag.Int("host", 1, "number of hosts per cluster")
	standalone := flag.Int("standalone-host", 0, "number of standalone hosts per datacenter")
	machines := flag.Int("vm", 2, "number of VMs per resource pool (each has one disk)")
	diskMiB := flag.Int64("disk-mb", 16, "capacity in MiB of each model VM's disk")
	plainHTTP := flag.Bool("http", false, "serve plain http instead of https")
	user := flag.String("username", "cairn", "the only user name Login accepts")
	password := flag.String("password", "cairn-secret", "the only password Login accepts")
	span := flag.Int64("changed-areas-span", 64<<20,
		"bytes of disk (from startOffset) one QueryChangedDiskAreas call covers; a multiple of 64 KiB")
	exitOnEOF := flag.Bool("exit-on-stdin-eof", true,
		"stop when stdin closes, so the simulator dies with its parent; false for a shell's background job")
	flag.Parse()
	if *span <= 0 || *span%blockSize != 0 {
		log.Fatalf("Cannot start: -changed-areas-span %d is not a positive multiple of %d", *span, blockSize)
	}

	model := simulator.VPX()
	model.Datacenter = *datacenters
	model.Cluster = *clusters
	model.ClusterHost = *hosts
	model.Host = *standalone
	model.Machine = *machines
	if err := model.Create(); err != nil {
		log.Fatalf("Cannot create the simulator model: %v", err)
	}

	workDir, err := os.MkdirTemp("", "cairn-vcsim-")
	if err != nil {
		log.Fatalf("Cannot create a working directory: %v", err)
	}
	cleanup := func() {
		model.Remove()
		_ = os.RemoveAll(workDir)
	}

	model.Service.Listen = &url.URL{Host: "127.0.0.1:0", User: url.UserPassword(*user, *password)}
	model.Service.RegisterEndpoints = true
	var certificate tls.Certificate
	if !*plainHTTP {
		certificate, err = selfSignedCertificate()
		if err != nil {
			log.Fatalf("Cannot create the server certificate: %v", err)
		}
		model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{certificate}}
	}

	ext := newExtensions(*span)
	if err := ext.prepareModelDisks(*diskMiB << 20); err != nil {
		cleanup()
		log.Fatalf("Cannot prepare the model's disks: %v", err)
	}

	server := model.Service.NewServer()
	// NewServer starts serving its own mux; no request can arrive before the ready line is
	// printed, so swapping in the extending handler here is safe.
	server.Config.Handler = ext.handler(server.Config.Handler)

	line := ready{
		URL:        server.URL.Scheme + "://" + server.URL.Host + "/sdk",
		User:       *user,
		Password:   *password,
		Datastores: ext.datastoreDirectories(),
	}
	if !*plainHTTP {
		der := certificate.Certificate[0]
		line.Thumbprint = thumbprint(der)
		line.CertPem = filepath.Join(workDir, "server.pem")
		data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		if err := os.WriteFile(line.CertPem, data, 0o600); err != nil {
			cleanup()
			log.Fatalf("Cannot write %s: %v", line.CertPem, err)
		}
	}
	encoded, _ := json.Marshal(line)
	fmt.Println(string(encoded))

	// The parent (a test JVM) may die without killing us: end when stdin closes.
	done := make(chan struct{}, 2)
	if *exitOnEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			done <- struct{}{}
		}()
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		done <- struct{}{}
	}()
	<-done
	server.Close()
	cleanup()
}

// thumbprint is the SHA-256 of a certificate's DER, hex bytes in upper case joined by colons.
func thumbprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// selfSignedCertificate makes a fresh key and certificate for 127.0.0.1 and localhost, so that
// clients can verify the server by its PEM or thumbprint instead of disabling verification.
func selfSignedCertificate() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return tls.Certificate{}, err
	}
	template := x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "cairn-vcsim", Organization: []string{"Cairn tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, &template, &template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
