/*
 * attach.c - device stacks: IoAttachDeviceToDeviceStack, IoDetachDevice.
 *
 * A filter driver puts its own device object on top of another driver's, so
 * that every IRP meant for that device passes through the filter first:
 *
 *     upper filter device   StackSize 3   <- IRPs are sent to the top
 *     lower filter device   StackSize 2
 *     disk device           StackSize 1
 *
 * Each device points up (AttachedDevice) and down (its DEVOBJ_EXTENSION's
 * AttachedTo). StackSize is how many stack locations an IRP sent to that
 * device needs: one per driver it will pass through. It is fixed when the
 * device attaches, which is why a driver that allocates an IRP asks the
 * device it sends to for its StackSize.
 */
#include "iop.h"

PDEVICE_OBJECT IopGetTopOfStackLocked(PDEVICE_OBJECT DeviceObject)
{
    while (DeviceObject->AttachedDevice != NULL)
        DeviceObject = DeviceObject->AttachedDevice;
    return DeviceObject;
}

PDEVICE_OBJECT IoAttachDeviceToDeviceStack(PDEVICE_OBJECT SourceDevice, PDEVICE_OBJECT TargetDevice)
{
    KIRQL OldIrql = IopLockDatabase();
    PDEVICE_OBJECT Top = IopGetTopOfStackLocked(TargetDevice);
    if (IopIsDeletePending(Top)) {
        IopUnlockDatabase(OldIrql);
        return NULL;
    }
    Top->AttachedDevice = SourceDevice;
    SourceDevice->DeviceObjectExtension->AttachedTo = Top;
    SourceDevice->StackSize = (CCHAR)(Top->StackSize + 1);
    if (Top->AlignmentRequirement > SourceDevice->AlignmentRequirement)
        SourceDevice->AlignmentRequirement = Top->AlignmentRequirement;
    IopUnlockDatabase(OldIrql);
    return Top;
}

VOID IoDetachDevice(PDEVICE_OBJECT TargetDevice)
{
    KIRQL OldIrql = IopLockDatabase();
    PDEVICE_OBJECT Above = TargetDevice->AttachedDevice;
    if (Above != NULL) {
        Above->DeviceObjectExtension->AttachedTo = NULL;
        TargetDevice->AttachedDevice = NULL;
    }
    IopUnlockDatabase(OldIrql);
}
