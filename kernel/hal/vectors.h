/*
 * vectors.h - the interrupt vector map. A vector's IRQL is vector >> 4,
 * because the local APIC masks by that "priority class" against CR8.
 *
 *   0x00-0x1E  CPU exceptions (0x1F is reserved by Intel, unused by the CPU)
 *   0x1F       APC_LEVEL software interrupt       IRQL 1
 *   0x2F       DISPATCH_LEVEL software interrupt  IRQL 2
 *   0x30-0xBF  device interrupts, (IRQL << 4) + n  IRQL 3-11
 *   0xC0-0xCF  the 8259 pair, remapped here and fully masked: a stray
 *              8259 interrupt lands on a vector nobody uses, never on an
 *              exception's                        IRQL 12
 *   0xD1       clock                              IRQL 13 (CLOCK_LEVEL)
 *   0xE1       inter-processor interrupt          IRQL 14 (IPI_LEVEL)
 *   0xFE       local APIC error                   IRQL 15
 *   0xFF       spurious (never acknowledged)      IRQL 15
 * Windows x64 uses the same numbers for these system vectors.
 */
#ifndef HAL_VECTORS_H
#define HAL_VECTORS_H

#define APC_VECTOR 0x1F
#define DISPATCH_VECTOR 0x2F
#define CLOCK_VECTOR 0xD1
#define IPI_VECTOR 0xE1
#define APIC_ERROR_VECTOR 0xFE
#define APIC_SPURIOUS_VECTOR 0xFF

#define VECTOR_TO_IRQL(Vector) ((KIRQL)((Vector) >> 4))
#define DEVICE_VECTOR(Irql, Index) (((Irql) << 4) + (Index))
#define PRIMARY_VECTOR_BASE 0x30 /* the first device vector */
#define PIC_VECTOR_BASE 0xC0     /* the 8259s' 16 vectors, masked */

#endif /* HAL_VECTORS_H */
