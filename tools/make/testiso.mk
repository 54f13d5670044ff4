# testiso.mk - the test ISO: the same kernel and GRUB as ntmini.iso, but with a
# grub.cfg (boot/grub-test.cfg) whose only entry passes `test=all`. GRUB takes
# the kernel command line from its menu, so this is how `make test` runs the
# kernel tests through the real GRUB under SeaBIOS and OVMF.

TEST_ISO := $(BUILD)/ntmini-test.iso

.PHONY: test-iso
test-iso: $(TEST_ISO)

$(TEST_ISO): $(KERNEL) boot/grub-test.cfg
	@rm -rf $(BUILD)/iso-test && mkdir -p $(BUILD)/iso-test/boot/grub
	cp $(KERNEL) $(BUILD)/iso-test/boot/kernel.elf
	cp boot/grub-test.cfg $(BUILD)/iso-test/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(BUILD)/iso-test 2> $(BUILD)/grub-mkrescue-test.log || (cat $(BUILD)/grub-mkrescue-test.log; false)
