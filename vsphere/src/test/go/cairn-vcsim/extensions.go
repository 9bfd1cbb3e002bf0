package main

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// extensions holds what Cairn adds to the simulator: disk bytes, change tracking and faults. It
// wraps the simulator's HTTP handler, because the simulator dispatches SOAP methods by
// reflection on its own types and its code asserts those types, so objects cannot be replaced.
type extensions struct {
	span int64

	// mu serializes state-changing calls with the change tracking state they update.
	mu        sync.Mutex
	disks     map[diskID]*trackedDisk
	snapshots map[types.ManagedObjectReference]*frozenSnapshot
	tracking  map[types.ManagedObjectReference]bool

	sessionsMu sync.Mutex
	sessions   map[string]bool

	// leasesMu guards leases only; uploads must not wait for e.mu (a client may report lease
	// progress while it uploads).
	leasesMu sync.Mutex
	leases   map[string]*importLease

	faults faultState
}

func newExtensions(span int64) *extensions {
	return &extensions{
		span:      span,
		disks:     map[diskID]*trackedDisk{},
		snapshots: map[types.ManagedObjectReference]*frozenSnapshot{},
		tracking:  map[types.ManagedObjectReference]bool{},
		sessions:  map[string]bool{},
		leases:    map[string]*importLease{},
	}
}

// datastoreDirectories maps each datastore's name to the directory that holds its files.
func (e *extensions) datastoreDirectories() map[string]string {
	directories := map[string]string{}
	for _, entity := range simulator.Map.All("Datastore") {
		ds := entity.(*simulator.Datastore)
		directories[ds.Name] = ds.Info.GetDatastoreInfo().Url
	}
	return directories
}

// prepareModelDisks gives the model's VMs disks of the requested capacity with real files.
func (e *extensions) prepareModelDisks(capacity int64) error {
	for _, entity := range simulator.Map.All("VirtualMachine") {
		vm := entity.(*simulator.VirtualMachine)
		for _, disk := range virtualDisks(vm) {
			disk.CapacityInKB = capacity / 1024
			disk.CapacityInBytes = capacity
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.reconcile()
}

// reconcile brings files and tracking state in line with the inventory after a call that may
// have changed it: new or grown disks get their files, toggled tracking or a resize starts a new
// epoch, removed snapshots lose their files. Callers hold e.mu.
func (e *extensions) reconcile() error {
	var failure error
	for _, entity := range simulator.Map.All("VirtualMachine") {
		vm := entity.(*simulator.VirtualMachine)
		simulator.Map.WithLock(vm, func() {
			if err := e.reconcileMachine(vm); err != nil && failure == nil {
				failure = err
			}
		})
	}
	for ref, snapshot := range e.snapshots {
		if simulator.Map.Get(ref) == nil {
			for _, disk := range snapshot.disks {
				_ = os.Remove(disk.flatPath)
				_ = os.Remove(disk.descriptor)
			}
			delete(e.snapshots, ref)
		}
	}
	return failure
}

func (e *extensions) reconcileMachine(vm *simulator.VirtualMachine) error {
	tracking := vm.Config != nil && vm.Config.ChangeTrackingEnabled != nil && *vm.Config.ChangeTrackingEnabled
	toggled := tracking != e.tracking[vm.Self]
	e.tracking[vm.Self] = tracking
	for _, disk := range virtualDisks(vm) {
		descriptor, err := hostPath(fileBacking(disk).FileName)
		if err != nil {
			return err
		}
		capacity := diskCapacity(disk)
		// vCenter reports both capacity fields, whichever one the client set.
		disk.CapacityInKB, disk.CapacityInBytes = capacity/1024, capacity
		if err := ensureDiskFiles(descriptor, capacity); err != nil {
			return fmt.Errorf("cannot create the files of disk %d of %s: %v", disk.Key, vm.Self.Value, err)
		}
		id := diskID{vm.Self, disk.Key}
		state := e.disks[id]
		if state == nil {
			state = &trackedDisk{capacity: capacity}
			e.disks[id] = state
		}
		resized := state.capacity != capacity
		state.capacity = capacity
		switch {
		case !tracking:
			state.epoch, state.states = "", nil
			setChangeID(disk, "")
		case toggled || resized || state.epoch == "":
			if err := e.startEpoch(disk, state, descriptor); err != nil {
				return err
			}
		}
	}
	return nil
}

// startEpoch resets tracking of a disk: older changeIds become unknown, and "epoch/0" stands for
// the disk as it is now.
func (e *extensions) startEpoch(disk *types.VirtualDisk, state *trackedDisk, descriptor string) error {
	digests, err := copyFlat(flatName(descriptor), "", state.capacity)
	if err != nil {
		return fmt.Errorf("cannot read disk %d (%s): %v", disk.Key, descriptor, err)
	}
	state.epoch = newEpoch()
	state.sequence = 0
	changeID := fmt.Sprintf("%s/%d", state.epoch, state.sequence)
	state.states = map[string][]digest{changeID: digests}
	setChangeID(disk, changeID)
	return nil
}

// freeze gives a snapshot just made by the simulator its own copy of each disk, with the
// snapshot's device backings pointing at the copies, and a new changeId when tracking is on.
// Callers hold e.mu.
func (e *extensions) freeze(vm *simulator.VirtualMachine, ref types.ManagedObjectReference) error {
	snapshot, ok := simulator.Map.Get(ref).(*simulator.VirtualMachineSnapshot)
	if !ok {
		return fmt.Errorf("snapshot %s does not exist", ref.Value)
	}
	frozen := &frozenSnapshot{vm: vm.Self}
	var failure error
	simulator.Map.WithLock(vm, func() {
		// The simulator copied the VM's config by value, so the device slice is shared: copy it.
		devices := make([]types.BaseVirtualDevice, len(snapshot.Config.Hardware.Device))
		copy(devices, snapshot.Config.Hardware.Device)
		snapshot.Config.Hardware.Device = devices
		for i, device := range devices {
			disk, ok := device.(*types.VirtualDisk)
			if !ok || fileBacking(disk) == nil {
				continue
			}
			current := fileBacking(disk).FileName
			descriptor, err := hostPath(current)
			if err != nil {
				failure = err
				return
			}
			name := fmt.Sprintf("%s-%s.vmdk", strings.TrimSuffix(current, ".vmdk"), ref.Value)
			snapshotDescriptor, _ := hostPath(name)
			capacity := diskCapacity(disk)
			digests, err := copyFlat(flatName(descriptor), flatName(snapshotDescriptor), capacity)
			if err == nil {
				err = writeDescriptor(snapshotDescriptor, capacity)
			}
			if err != nil {
				failure = fmt.Errorf("cannot copy disk %d of %s for snapshot %s: %v", disk.Key, vm.Self.Value, ref.Value, err)
				return
			}
			changeID := ""
			if state := e.disks[diskID{vm.Self, disk.Key}]; state != nil && state.epoch != "" {
				state.sequence++
				changeID = fmt.Sprintf("%s/%d", state.epoch, state.sequence)
				state.states[changeID] = digests
				setChangeID(disk, changeID)
			}
			copied := *disk
			copied.Backing = copyBacking(disk.Backing)
			if b, ok := copied.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
				b.GetVirtualDeviceFileBackingInfo().FileName = name
			}
			setChangeID(&copied, changeID)
			devices[i] = &copied
			frozen.disks = append(frozen.disks, frozenDisk{
				key: disk.Key, fileName: name, descriptor: snapshotDescriptor,
				flatPath: flatName(snapshotDescriptor), changeID: changeID, capacity: capacity, digests: digests,
			})
		}
	})
	if failure != nil {
		return failure
	}
	e.snapshots[ref] = frozen
	return nil
}

func copyBacking(backing types.BaseVirtualDeviceBackingInfo) types.BaseVirtualDeviceBackingInfo {
	switch b := backing.(type) {
	case *types.VirtualDiskFlatVer2BackingInfo:
		c := *b
		return &c
	case *types.VirtualDiskSparseVer2BackingInfo:
		c := *b
		return &c
	case *types.VirtualDiskSeSparseBackingInfo:
		c := *b
		return &c
	}
	return backing
}

// revert copies a snapshot's disks back over the VM's current disks and restarts tracking, as
// a revert discards the changes vSphere tracked since. Callers hold e.mu.
func (e *extensions) revert(vm *simulator.VirtualMachine, ref types.ManagedObjectReference) error {
	frozen := e.snapshots[ref]
	var failure error
	simulator.Map.WithLock(vm, func() {
		for _, disk := range virtualDisks(vm) {
			descriptor, err := hostPath(fileBacking(disk).FileName)
			if err != nil {
				failure = err
				return
			}
			if frozen != nil {
				for _, f := range frozen.disks {
					if f.key == disk.Key {
						if _, err := copyFlat(f.flatPath, flatName(descriptor), diskCapacity(disk)); err != nil {
							failure = fmt.Errorf("cannot revert disk %d of %s to %s: %v", disk.Key, vm.Self.Value, ref.Value, err)
							return
						}
					}
				}
			}
			if state := e.disks[diskID{vm.Self, disk.Key}]; state != nil && state.epoch != "" {
				if err := e.startEpoch(disk, state, descriptor); err != nil {
					failure = err
					return
				}
			}
		}
	})
	return failure
}

// handler routes Cairn's endpoints and wraps the simulator's SOAP and datastore handlers.
func (e *extensions) handler(inner http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/cairn/faults":
			e.serveFaults(w, r)
		case strings.HasPrefix(r.URL.Path, "/folder/"):
			e.serveDatastore(inner, w, r)
		case strings.HasPrefix(r.URL.Path, nfcPrefix):
			e.serveNFC(inner, w, r)
		case r.URL.Path == "/sdk" || r.URL.Path == "/sdk/vimService":
			e.serveSOAP(inner, w, r)
		case strings.HasPrefix(r.URL.Path, "/api/"):
			serveAPIAlias(inner, w, r)
		default:
			inner.ServeHTTP(w, r)
		}
	})
}

// readOnly methods neither change disks nor need tracking state, so they skip e.mu (a
// WaitForUpdatesEx may block for minutes).
func readOnly(method string) bool {
	switch method {
	case "RetrieveServiceContent", "Login", "Logout", "CurrentTime", "SessionIsActive":
		return true
	}
	for _, prefix := range []string{"Retrieve", "ContinueRetrieve", "WaitFor", "CheckForUpdates", "CreateContainerView", "CreateFilter", "DestroyView", "DestroyPropertyFilter", "Query", "Find", "Fetch", "Has"} {
		if strings.HasPrefix(method, prefix) {
			return true
		}
	}
	return false
}

func (e *extensions) serveSOAP(inner http.Handler, w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		inner.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	method, err := simulator.UnmarshalBody(types.TypeFunc(), body)
	if err != nil || !e.authenticated(r) {
		// Unknown methods and anonymous calls: the simulator has the right faults for them.
		e.forward(inner, w, r, method)
		return
	}
	if answered := e.answer(w, method); answered {
		return
	}
	if readOnly(method.Name) {
		e.forward(inner, w, r, method)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var before *types.ManagedObjectReference
	vm, _ := simulator.Map.Get(method.This).(*simulator.VirtualMachine)
	if vm != nil && vm.Snapshot != nil {
		before = vm.Snapshot.CurrentSnapshot
	}
	var vmsBefore map[types.ManagedObjectReference]bool
	if method.Name == "ImportVApp" {
		vmsBefore = vmRefs()
	}
	status, answer := e.forward(inner, w, r, method)
	if err := e.reconcile(); err != nil {
		log.Printf("after %s: %v", method.Name, err)
	}
	if status != http.StatusOK {
		return
	}
	switch method.Name {
	case "ImportVApp":
		if err := e.recordLease(method.Body.(*types.ImportVApp), answer, vmsBefore); err != nil {
			log.Printf("ImportVApp: %v", err)
		}
	case "HttpNfcLeaseComplete":
		e.forgetLease(method.This.Value)
	case "HttpNfcLeaseAbort":
		if err := e.abortLease(inner, r, method.This.Value); err != nil {
			log.Printf("HttpNfcLeaseAbort: %v", err)
		}
	case "CreateSnapshot_Task":
		if vm != nil && vm.Snapshot != nil && vm.Snapshot.CurrentSnapshot != nil &&
			(before == nil || *before != *vm.Snapshot.CurrentSnapshot) {
			if err := e.freeze(vm, *vm.Snapshot.CurrentSnapshot); err != nil {
				log.Printf("CreateSnapshot_Task: %v", err)
			}
		}
	case "RevertToSnapshot_Task":
		if snapshot, ok := simulator.Map.Get(method.This).(*simulator.VirtualMachineSnapshot); ok {
			if owner, ok := simulator.Map.Get(snapshot.Vm).(*simulator.VirtualMachine); ok {
				if err := e.revert(owner, method.This); err != nil {
					log.Printf("RevertToSnapshot_Task: %v", err)
				}
			}
		}
	case "RevertToCurrentSnapshot_Task":
		if vm != nil && vm.Snapshot != nil && vm.Snapshot.CurrentSnapshot != nil {
			if err := e.revert(vm, *vm.Snapshot.CurrentSnapshot); err != nil {
				log.Printf("RevertToCurrentSnapshot_Task: %v", err)
			}
		}
	}
}

// forward lets the simulator answer, remembering the sessions it opens and closes, and returns
// the HTTP status and body it answered with.
func (e *extensions) forward(inner http.Handler, w http.ResponseWriter, r *http.Request, method *simulator.Method) (int, []byte) {
	recorder := httptest.NewRecorder()
	inner.ServeHTTP(recorder, r)
	result := recorder.Result()
	for _, cookie := range result.Cookies() {
		if cookie.Name == soap.SessionCookieName && result.StatusCode == http.StatusOK {
			e.sessionsMu.Lock()
			e.sessions[cookie.Value] = true
			e.sessionsMu.Unlock()
		}
	}
	if method != nil && method.Name == "Logout" {
		if cookie, err := r.Cookie(soap.SessionCookieName); err == nil {
			e.sessionsMu.Lock()
			delete(e.sessions, cookie.Value)
			e.sessionsMu.Unlock()
		}
	}
	for name, values := range recorder.Header() {
		w.Header()[name] = values
	}
	w.WriteHeader(recorder.Code)
	_, _ = w.Write(recorder.Body.Bytes())
	return recorder.Code, recorder.Body.Bytes()
}

func (e *extensions) authenticated(r *http.Request) bool {
	cookie, err := r.Cookie(soap.SessionCookieName)
	if err != nil {
		return false
	}
	e.sessionsMu.Lock()
	defer e.sessionsMu.Unlock()
	return e.sessions[cookie.Value]
}

// answer handles the calls the extensions answer themselves: denied privileges, injected
// faults, QueryChangedDiskAreas and the privilege queries. It returns false for the rest.
func (e *extensions) answer(w http.ResponseWriter, method *simulator.Method) bool {
	for _, privilege := range requiredPrivileges(method) {
		if e.faults.denied(privilege) {
			writeFault(w, "Permission to perform this operation was denied.", "NoPermission",
				moRefXML("object", method.This)+textXML("privilegeId", privilege))
			return true
		}
	}
	switch req := method.Body.(type) {
	case *types.QueryChangedDiskAreas:
		e.mu.Lock()
		defer e.mu.Unlock()
		e.queryChangedDiskAreas(w, req)
		return true
	case *types.HasPrivilegeOnEntity:
		var result strings.Builder
		for _, id := range req.PrivId {
			result.WriteString(textXML("returnval", fmt.Sprint(!e.faults.denied(id))))
		}
		writeResult(w, "HasPrivilegeOnEntityResponse", result.String())
		return true
	case *types.HasPrivilegeOnEntities:
		var result strings.Builder
		for _, entity := range req.Entity {
			result.WriteString("<returnval>" + moRefXML("entity", entity))
			for _, id := range req.PrivId {
				result.WriteString("<privAvailability>" + textXML("privId", id) +
					textXML("isGranted", fmt.Sprint(!e.faults.denied(id))) + "</privAvailability>")
			}
			result.WriteString("</returnval>")
		}
		writeResult(w, "HasPrivilegeOnEntitiesResponse", result.String())
		return true
	case *types.FetchUserPrivilegeOnEntities:
		granted := e.grantedPrivileges()
		var result strings.Builder
		for _, entity := range req.Entities {
			result.WriteString("<returnval>" + moRefXML("entity", entity))
			for _, id := range granted {
				result.WriteString(textXML("privileges", id))
			}
			result.WriteString("</returnval>")
		}
		writeResult(w, "FetchUserPrivilegeOnEntitiesResponse", result.String())
		return true
	case *types.CreateSnapshot_Task:
		message, fail := e.faults.takeCreateSnapshot()
		if !fail {
			return false
		}
		task := simulator.CreateTask(req.This, "createSnapshot", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
			return nil, &types.SnapshotFault{}
		})
		task.Run()
		simulator.Map.Update(task, []types.PropertyChange{{Name: "info.error", Val: types.LocalizedMethodFault{
			Fault: &types.SnapshotFault{}, LocalizedMessage: message,
		}}})
		writeResult(w, "CreateSnapshot_TaskResponse", moRefXML("returnval", task.Self))
		return true
	case *types.ImportVApp:
		// InvalidState is among the faults vSphere documents for ImportVApp (a host in
		// maintenance mode, for example); it has no fields of its own.
		message, fail := e.faults.takeImportVApp()
		if !fail {
			return false
		}
		writeFault(w, message, "InvalidState", "")
		return true
	}
	return false
}

// grantedPrivileges is every privilege of the Admin role minus the denied ones.
func (e *extensions) grantedPrivileges() []string {
	ref := types.ManagedObjectReference{Type: "AuthorizationManager", Value: "AuthorizationManager"}
	var granted []string
	if manager, ok := simulator.Map.Get(ref).(*simulator.AuthorizationManager); ok {
		for _, role := range manager.RoleList {
			if role.Name == "Admin" {
				for _, id := range role.Privilege {
					if !e.faults.denied(id) {
						granted = append(granted, id)
					}
				}
			}
		}
	}
	return granted
}

// queryChangedDiskAreas answers from the block digests recorded at snapshot time. Callers hold
// e.mu.
func (e *extensions) queryChangedDiskAreas(w http.ResponseWriter, req *types.QueryChangedDiskAreas) {
	invalid := func(property, message string) {
		writeFault(w, "A specified parameter was not correct: "+property+" ("+message+")", "InvalidArgument",
			textXML("invalidProperty", property))
	}
	if req.Snapshot == nil {
		invalid("snapshot", "the simulator answers for snapshots only")
		return
	}
	frozen := e.snapshots[*req.Snapshot]
	if frozen == nil || frozen.vm != req.This {
		invalid("snapshot", fmt.Sprintf("%s is not a snapshot of %s", req.Snapshot.Value, req.This.Value))
		return
	}
	var disk *frozenDisk
	for i := range frozen.disks {
		if frozen.disks[i].key == req.DeviceKey {
			disk = &frozen.disks[i]
		}
	}
	if disk == nil {
		invalid("deviceKey", fmt.Sprintf("snapshot %s has no disk %d", req.Snapshot.Value, req.DeviceKey))
		return
	}
	if req.StartOffset < 0 || req.StartOffset >= disk.capacity {
		invalid("startOffset", fmt.Sprintf("%d is outside disk %d of %d bytes", req.StartOffset, req.DeviceKey, disk.capacity))
		return
	}
	end := req.StartOffset + e.span
	if end > disk.capacity {
		end = disk.capacity
	}
	var changed func(block int) bool
	if req.ChangeId == "*" {
		changed = func(block int) bool { return disk.digests[block] != zeroDigest }
	} else {
		epoch, ok := splitChangeID(req.ChangeId)
		if !ok {
			invalid("changeId", fmt.Sprintf("%q is not of the form \"<epoch>/<sequence>\"", req.ChangeId))
			return
		}
		snapshotEpoch, _ := splitChangeID(disk.changeID)
		state := e.disks[diskID{req.This, req.DeviceKey}]
		if disk.changeID == "" || state == nil || epoch != state.epoch || snapshotEpoch != epoch {
			writeFault(w, fmt.Sprintf("Error caused by file %s: change tracking of disk %d of %s was reset; "+
				"changeId %s is no longer valid", disk.fileName, req.DeviceKey, req.This.Value, req.ChangeId),
				"FileFault", textXML("file", disk.fileName))
			return
		}
		base, known := state.states[req.ChangeId]
		if !known {
			invalid("changeId", fmt.Sprintf("disk %d of %s never had changeId %s", req.DeviceKey, req.This.Value, req.ChangeId))
			return
		}
		changed = func(block int) bool { return block >= len(base) || base[block] != disk.digests[block] }
	}
	var areas strings.Builder
	var areaStart, areaEnd int64 = -1, -1
	flush := func() {
		if areaStart >= 0 {
			areas.WriteString("<changedArea>" + textXML("start", fmt.Sprint(areaStart)) +
				textXML("length", fmt.Sprint(areaEnd-areaStart)) + "</changedArea>")
		}
		areaStart, areaEnd = -1, -1
	}
	for block := int(req.StartOffset / blockSize); int64(block)*blockSize < end; block++ {
		if !changed(block) {
			continue
		}
		start, stop := int64(block)*blockSize, int64(block+1)*blockSize
		if start < req.StartOffset {
			start = req.StartOffset
		}
		if stop > end {
			stop = end
		}
		if areaEnd != start {
			flush()
			areaStart = start
		}
		areaEnd = stop
	}
	flush()
	writeResult(w, "QueryChangedDiskAreasResponse", "<returnval>"+
		textXML("startOffset", fmt.Sprint(req.StartOffset))+textXML("length", fmt.Sprint(end-req.StartOffset))+
		areas.String()+"</returnval>")
}

// requiredPrivileges names what vCenter checks before the methods Cairn's tests deny.
func requiredPrivileges(method *simulator.Method) []string {
	switch req := method.Body.(type) {
	case *types.CreateSnapshot_Task:
		return []string{"VirtualMachine.State.CreateSnapshot"}
	case *types.RemoveSnapshot_Task, *types.RemoveAllSnapshots_Task:
		return []string{"VirtualMachine.State.RemoveSnapshot"}
	case *types.RevertToSnapshot_Task, *types.RevertToCurrentSnapshot_Task:
		return []string{"VirtualMachine.State.RevertToSnapshot"}
	case *types.CreateVM_Task:
		return []string{"VirtualMachine.Inventory.Create"}
	case *types.ImportVApp:
		return []string{"VApp.Import"}
	case *types.RegisterVM_Task:
		return []string{"VirtualMachine.Inventory.Register"}
	case *types.QueryChangedDiskAreas:
		return []string{"VirtualMachine.Provisioning.DiskRandomRead"}
	case *types.PowerOnVM_Task:
		return []string{"VirtualMachine.Interact.PowerOn"}
	case *types.PowerOffVM_Task:
		return []string{"VirtualMachine.Interact.PowerOff"}
	case *types.Destroy_Task:
		if method.This.Type == "VirtualMachine" {
			return []string{"VirtualMachine.Inventory.Delete"}
		}
	case *types.ReconfigVM_Task:
		return reconfigurePrivileges(&req.Spec)
	}
	return nil
}

// reconfigurePrivileges: only changing tracking needs Config.ChangeTracking; disk changes need
// their own privileges; anything else needs Config.Settings.
func reconfigurePrivileges(spec *types.VirtualMachineConfigSpec) []string {
	var privileges []string
	rest := *spec
	if spec.ChangeTrackingEnabled != nil {
		privileges = append(privileges, "VirtualMachine.Config.ChangeTracking")
		rest.ChangeTrackingEnabled = nil
	}
	for _, change := range spec.DeviceChange {
		c := change.GetVirtualDeviceConfigSpec()
		if _, ok := c.Device.(*types.VirtualDisk); !ok {
			privileges = append(privileges, "VirtualMachine.Config.EditDevice")
			continue
		}
		switch c.Operation {
		case types.VirtualDeviceConfigSpecOperationAdd:
			privileges = append(privileges, "VirtualMachine.Config.AddNewDisk")
		case types.VirtualDeviceConfigSpecOperationRemove:
			privileges = append(privileges, "VirtualMachine.Config.RemoveDisk")
		default:
			privileges = append(privileges, "VirtualMachine.Config.DiskExtend")
		}
	}
	rest.DeviceChange = nil
	if rest.Name != "" || rest.Annotation != "" || rest.NumCPUs != 0 || rest.MemoryMB != 0 ||
		rest.ExtraConfig != nil || rest.GuestId != "" || len(privileges) == 0 {
		privileges = append(privileges, "VirtualMachine.Config.Settings")
	}
	return privileges
}

func writeResult(w http.ResponseWriter, response, inner string) {
	writeEnvelope(w, http.StatusOK, "<"+response+" xmlns=\"urn:vim25\">"+inner+"</"+response+">")
}

// writeFault answers with a SOAP fault shaped like vCenter's: the message and a typed detail.
func writeFault(w http.ResponseWriter, message, faultType, detail string) {
	writeEnvelope(w, http.StatusInternalServerError, "<soapenv:Fault><faultcode>ServerFaultCode</faultcode>"+
		textXML("faultstring", message)+"<detail><"+faultType+"Fault xmlns=\"urn:vim25\" xsi:type=\""+faultType+"\">"+
		detail+"</"+faultType+"Fault></detail></soapenv:Fault>")
}

func writeEnvelope(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+
		`<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" `+
		`xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" `+
		`xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`+
		`<soapenv:Body>`+body+`</soapenv:Body></soapenv:Envelope>`)
}

func textXML(name, value string) string {
	var escaped bytes.Buffer
	_ = xmlEscape(&escaped, value)
	return "<" + name + ">" + escaped.String() + "</" + name + ">"
}

func moRefXML(name string, ref types.ManagedObjectReference) string {
	var escaped bytes.Buffer
	_ = xmlEscape(&escaped, ref.Value)
	return "<" + name + " type=\"" + ref.Type + "\">" + escaped.String() + "</" + name + ">"
}
