package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// blockSize is the granularity of change tracking: areas are reported in whole 64 KiB blocks.
const blockSize = 64 << 10

// digest identifies the content of one block; a truncated SHA-256 is plenty for test data.
type digest [16]byte

var zeroDigest = blockDigest(make([]byte, blockSize))

func blockDigest(block []byte) digest {
	sum := sha256.Sum256(block)
	var d digest
	copy(d[:], sum[:])
	return d
}

// diskID names one virtual disk: its VM and device key.
type diskID struct {
	vm  types.ManagedObjectReference
	key int32
}

// trackedDisk is the change tracking state of a VM's current disk. An epoch starts when
// tracking is enabled, the disk is resized or the VM reverts; changeIds of older epochs are
// refused, as vSphere refuses them after a CBT reset.
type trackedDisk struct {
	capacity int64
	epoch    string
	sequence int
	// states holds the block digests each changeId of the current epoch stands for.
	states map[string][]digest
}

// frozenDisk is a disk as a snapshot sees it: a copy of the flat file when the snapshot was made.
type frozenDisk struct {
	key        int32
	fileName   string // datastore path of the descriptor, as the snapshot's backing reports it
	descriptor string // host path of the descriptor
	flatPath   string // host path of the bytes
	changeID   string // empty when tracking was off
	capacity   int64
	digests    []digest
}

type frozenSnapshot struct {
	vm    types.ManagedObjectReference
	disks []frozenDisk
}

// diskCapacity is the larger of the two capacity fields, since a client may set either.
func diskCapacity(disk *types.VirtualDisk) int64 {
	capacity := disk.CapacityInKB * 1024
	if disk.CapacityInBytes > capacity {
		capacity = disk.CapacityInBytes
	}
	return capacity
}

// fileBacking is the disk's file backing, or nil for disks without one (RDM devices, for example).
func fileBacking(disk *types.VirtualDisk) *types.VirtualDeviceFileBackingInfo {
	if b, ok := disk.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
		return b.GetVirtualDeviceFileBackingInfo()
	}
	return nil
}

func setChangeID(disk *types.VirtualDisk, changeID string) {
	switch b := disk.Backing.(type) {
	case *types.VirtualDiskFlatVer2BackingInfo:
		b.ChangeId = changeID
	case *types.VirtualDiskSparseVer2BackingInfo:
		b.ChangeId = changeID
	case *types.VirtualDiskSeSparseBackingInfo:
		b.ChangeId = changeID
	}
}

func virtualDisks(vm *simulator.VirtualMachine) []*types.VirtualDisk {
	var disks []*types.VirtualDisk
	if vm.Config == nil {
		return nil
	}
	for _, device := range vm.Config.Hardware.Device {
		if disk, ok := device.(*types.VirtualDisk); ok && fileBacking(disk) != nil {
			disks = append(disks, disk)
		}
	}
	return disks
}

// hostPath maps a datastore path "[ds] dir/file" to the file backing it on this machine.
func hostPath(datastorePath string) (string, error) {
	var p object.DatastorePath
	if !p.FromString(datastorePath) {
		return "", fmt.Errorf("%q is not a datastore path", datastorePath)
	}
	for _, entity := range simulator.Map.All("Datastore") {
		ds := entity.(*simulator.Datastore)
		if ds.Name == p.Datastore {
			return filepath.Join(ds.Info.GetDatastoreInfo().Url, p.Path), nil
		}
	}
	return "", fmt.Errorf("datastore %q of %q does not exist", p.Datastore, datastorePath)
}

// flatName is the file that holds a disk's bytes, as on ESXi: "disk.vmdk" is the descriptor and
// "disk-flat.vmdk" the extent.
func flatName(descriptor string) string {
	return strings.TrimSuffix(descriptor, ".vmdk") + "-flat.vmdk"
}

// ensureDiskFiles gives a disk a sparse flat file of at least its capacity and a descriptor that
// names it, keeping whatever bytes are already there.
func ensureDiskFiles(descriptorPath string, capacity int64) error {
	flat := flatName(descriptorPath)
	if err := os.MkdirAll(filepath.Dir(flat), 0o700); err != nil {
		return err
	}
	info, err := os.Stat(flat)
	if err != nil || info.Size() < capacity {
		f, err := os.OpenFile(flat, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return err
		}
		err = f.Truncate(capacity)
		_ = f.Close()
		if err != nil {
			return err
		}
	}
	return writeDescriptor(descriptorPath, capacity)
}

// writeDescriptor writes a monolithicFlat descriptor like the ones ESXi keeps next to the extent.
func writeDescriptor(descriptorPath string, capacity int64) error {
	text := fmt.Sprintf("# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"+
		"createType=\"vmfs\"\n\n# Extent description\nRW %d VMFS \"%s\"\n\n"+
		"ddb.adapterType = \"lsilogic\"\nddb.virtualHWVersion = \"13\"\n",
		capacity/512, path.Base(flatName(descriptorPath)))
	existing, err := os.ReadFile(descriptorPath)
	if err == nil && string(existing) == text {
		return nil
	}
	return os.WriteFile(descriptorPath, []byte(text), 0o600)
}

// copyFlat copies source to target up to capacity, leaving holes where blocks are zero, and
// returns the digests of the copied blocks. A nil target only computes digests.
func copyFlat(source, target string, capacity int64) ([]digest, error) {
	in, err := os.Open(source)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	var out *os.File
	if target != "" {
		out, err = os.OpenFile(target, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, err
		}
		defer out.Close()
		if err := out.Truncate(capacity); err != nil {
			return nil, err
		}
	}
	blocks := (capacity + blockSize - 1) / blockSize
	digests := make([]digest, blocks)
	zero := make([]byte, blockSize)
	buffer := make([]byte, blockSize)
	for i := int64(0); i < blocks; i++ {
		n, err := in.ReadAt(buffer, i*blockSize)
		if err != nil && err != io.EOF {
			return nil, err
		}
		copy(buffer[n:], zero[n:]) // a short file reads as zeros, as a sparse extent would
		if bytes.Equal(buffer, zero) {
			digests[i] = zeroDigest
			continue
		}
		digests[i] = blockDigest(buffer)
		if out != nil {
			length := blockSize
			if rest := capacity - i*blockSize; rest < int64(length) {
				length = int(rest)
			}
			if _, err := out.WriteAt(buffer[:length], i*blockSize); err != nil {
				return nil, err
			}
		}
	}
	return digests, nil
}

// newEpoch makes a random change tracking epoch in vSphere's changeId format
// ("52 xx xx xx xx xx xx xx-xx xx xx xx xx xx xx xx").
func newEpoch() string {
	raw := make([]byte, 15)
	_, _ = rand.Read(raw)
	var b strings.Builder
	b.WriteString("52")
	for i, x := range raw {
		if i == 7 {
			b.WriteString("-")
		} else {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%02x", x)
	}
	return b.String()
}

// splitChangeID separates "epoch/sequence"; ok is false when the form is wrong.
func splitChangeID(changeID string) (epoch string, ok bool) {
	slash := strings.LastIndex(changeID, "/")
	if slash <= 0 || slash == len(changeID)-1 {
		return "", false
	}
	for _, c := range changeID[slash+1:] {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return changeID[:slash], true
}
