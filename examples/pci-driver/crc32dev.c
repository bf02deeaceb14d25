// SPDX-License-Identifier: GPL-2.0
/*
 * crc32dev: the Linux driver of the CRC-32 engine that examples/pci-driver
 * models in SystemC (crc32_model.cc, register map there; README.md).
 *
 * Each device gets a misc device, /dev/crc32devN.  A write() of 1 to
 * MAX_LEN bytes is one job: the bytes are copied into a coherent DMA
 * buffer, the engine is given its bus address and length and started, and
 * the writer sleeps until the completion interrupt (MSI if the function
 * offers it and use_msi allows, else INTx).  A read() then returns the
 * CRC-32 of the last job written through that file, as 8 hex digits and
 * a newline.  Jobs on one device run one at a time.
 */
#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#define CRC_ID		0x00
#define CRC_VERSION	0x04
#define CRC_CTRL	0x08
#define CRC_STATUS	0x0c
#define CRC_SRC_LO	0x10
#define CRC_SRC_HI	0x14
#define CRC_LEN		0x18
#define CRC_RESULT	0x1c
#define CRC_INT_STATUS	0x20
#define CRC_MAX_LEN	0x24

#define CRC_ID_VALUE		0x43524333
#define CRC_CTRL_START		BIT(0)
#define CRC_CTRL_IRQ_EN		BIT(1)
#define CRC_STATUS_ERROR	BIT(1)
#define CRC_INT_DONE		BIT(0)

/* The driver's own bound on a job, whatever the engine accepts. */
#define CRC32DEV_MAX_JOB	(1u << 20)

static bool use_msi = true;
module_param(use_msi, bool, 0444);
MODULE_PARM_DESC(use_msi, "Use MSI when the device offers it (default: yes); no: INTx only");

static unsigned int timeout_ms = 10000;
module_param(timeout_ms, uint, 0644);
MODULE_PARM_DESC(timeout_ms, "How long a job may take before write() fails with ETIMEDOUT");

static DEFINE_IDA(crc32dev_ida);

struct crc32dev {
	struct pci_dev *pdev;
	void __iomem *regs;
	int irq;
	int id;
	char name[16];
	struct miscdevice misc;
	/* Serializes jobs; `gone` (set by remove) is read under it too. */
	struct mutex lock;
	bool gone;
	struct completion done;
	void *buf;
	dma_addr_t buf_dma;
	u32 max_len;
	/* Open files hold a reference: the structure outlives remove(). */
	struct kref ref;
};

/* What one open file remembers: the result of its last job. */
struct crc32dev_file {
	struct crc32dev *cd;
	u32 result;
	bool have_result;
};

static void crc32dev_free(struct kref *ref)
{
	kfree(container_of(ref, struct crc32dev, ref));
}

/*
 * The completion interrupt.  INTx may be shared, so a call that finds no
 * DONE is not ours.  The acknowledge is a posted write; reading the
 * register back makes sure it reached the device, so that an INTx level
 * has fallen before the interrupt controller is told we are done.
 */
static irqreturn_t crc32dev_irq(int irq, void *data)
{
	struct crc32dev *cd = data;
	u32 st = ioread32(cd->regs + CRC_INT_STATUS);

	if (!(st & CRC_INT_DONE))
		return IRQ_NONE;
	iowrite32(CRC_INT_DONE, cd->regs + CRC_INT_STATUS);
	ioread32(cd->regs + CRC_INT_STATUS);
	complete(&cd->done);
	return IRQ_HANDLED;
}

static int crc32dev_open(struct inode *inode, struct file *file)
{
	struct crc32dev *cd = container_of(file->private_data, struct crc32dev, misc);
	struct crc32dev_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	kref_get(&cd->ref);
	f->cd = cd;
	file->private_data = f;
	return 0;
}

static int crc32dev_release(struct inode *inode, struct file *file)
{
	struct crc32dev_file *f = file->private_data;

	kref_put(&f->cd->ref, crc32dev_free);
	kfree(f);
	return 0;
}

/* One job: the bytes written, their CRC-32 computed by the device. */
static ssize_t crc32dev_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	struct crc32dev_file *f = file->private_data;
	struct crc32dev *cd = f->cd;
	ssize_t ret;

	if (len == 0 || len > cd->max_len)
		return -EINVAL;
	if (mutex_lock_interruptible(&cd->lock))
		return -ERESTARTSYS;
	if (cd->gone) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (copy_from_user(cd->buf, ubuf, len)) {
		ret = -EFAULT;
		goto out_unlock;
	}
	reinit_completion(&cd->done);
	iowrite32(lower_32_bits(cd->buf_dma), cd->regs + CRC_SRC_LO);
	iowrite32(upper_32_bits(cd->buf_dma), cd->regs + CRC_SRC_HI);
	iowrite32(len, cd->regs + CRC_LEN);
	iowrite32(CRC_CTRL_IRQ_EN | CRC_CTRL_START, cd->regs + CRC_CTRL);
	if (!wait_for_completion_timeout(&cd->done, msecs_to_jiffies(timeout_ms))) {
		dev_err(&cd->pdev->dev, "job of %zu bytes: no interrupt in %u ms\n",
			len, timeout_ms);
		ret = -ETIMEDOUT;
		goto out_unlock;
	}
	if (ioread32(cd->regs + CRC_STATUS) & CRC_STATUS_ERROR) {
		dev_err(&cd->pdev->dev, "job of %zu bytes: the device reported an error\n", len);
		ret = -EIO;
		goto out_unlock;
	}
	f->result = ioread32(cd->regs + CRC_RESULT);
	f->have_result = true;
	ret = len;
out_unlock:
	mutex_unlock(&cd->lock);
	return ret;
}

static ssize_t crc32dev_read(struct file *file, char __user *ubuf, size_t len,
			     loff_t *ppos)
{
	struct crc32dev_file *f = file->private_data;
	char text[16];
	int n;

	if (!f->have_result)
		return -ENODATA;
	n = scnprintf(text, sizeof(text), "%08x\n", f->result);
	return simple_read_from_buffer(ubuf, len, ppos, text, n);
}

static const struct file_operations crc32dev_fops = {
	.owner = THIS_MODULE,
	.open = crc32dev_open,
	.release = crc32dev_release,
	.write = crc32dev_write,
	.read = crc32dev_read,
	.llseek = noop_llseek,
};

static int crc32dev_probe(struct pci_dev *pdev, const struct pci_device_id *ent)
{
	unsigned int irq_types = PCI_IRQ_LEGACY | (use_msi ? PCI_IRQ_MSI : 0);
	struct crc32dev *cd;
	u32 id, version;
	int ret;

	cd = kzalloc(sizeof(*cd), GFP_KERNEL);
	if (!cd)
		return -ENOMEM;
	kref_init(&cd->ref);
	mutex_init(&cd->lock);
	init_completion(&cd->done);
	cd->pdev = pdev;

	ret = pci_enable_device(pdev);
	if (ret)
		goto out_free;
	ret = pci_request_regions(pdev, KBUILD_MODNAME);
	if (ret)
		goto out_disable;
	cd->regs = pci_iomap(pdev, 0, 0);
	if (!cd->regs) {
		ret = -ENOMEM;
		goto out_release;
	}
	id = ioread32(cd->regs + CRC_ID);
	version = ioread32(cd->regs + CRC_VERSION);
	if (id != CRC_ID_VALUE) {
		dev_err(&pdev->dev, "ID register reads %#x, not %#x\n", id, CRC_ID_VALUE);
		ret = -ENODEV;
		goto out_unmap;
	}
	cd->max_len = min_t(u32, ioread32(cd->regs + CRC_MAX_LEN), CRC32DEV_MAX_JOB);
	if (!cd->max_len) {
		dev_err(&pdev->dev, "MAX_LEN reads 0\n");
		ret = -ENODEV;
		goto out_unmap;
	}

	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		goto out_clear_master;
	cd->buf = dma_alloc_coherent(&pdev->dev, cd->max_len, &cd->buf_dma, GFP_KERNEL);
	if (!cd->buf) {
		ret = -ENOMEM;
		goto out_clear_master;
	}

	ret = pci_alloc_irq_vectors(pdev, 1, 1, irq_types);
	if (ret < 0) {
		dev_err(&pdev->dev, "no interrupt (%s): %d\n",
			use_msi ? "neither MSI nor INTx" : "no INTx, and use_msi=0", ret);
		goto out_free_buf;
	}
	cd->irq = pci_irq_vector(pdev, 0);
	/* Nothing pending from before: the line is ours once requested. */
	iowrite32(0, cd->regs + CRC_CTRL);
	iowrite32(CRC_INT_DONE, cd->regs + CRC_INT_STATUS);
	ret = request_irq(cd->irq, crc32dev_irq, IRQF_SHARED, KBUILD_MODNAME, cd);
	if (ret)
		goto out_free_vectors;

	cd->id = ida_alloc(&crc32dev_ida, GFP_KERNEL);
	if (cd->id < 0) {
		ret = cd->id;
		goto out_free_irq;
	}
	snprintf(cd->name, sizeof(cd->name), "crc32dev%d", cd->id);
	cd->misc.minor = MISC_DYNAMIC_MINOR;
	cd->misc.name = cd->name;
	cd->misc.fops = &crc32dev_fops;
	cd->misc.parent = &pdev->dev;
	pci_set_drvdata(pdev, cd);
	ret = misc_register(&cd->misc);
	if (ret)
		goto out_free_id;

	dev_info(&pdev->dev, "/dev/%s: CRC-32 engine %u.%u, %s (irq %d), jobs up to %u bytes\n",
		 cd->name, version >> 16, version & 0xffff,
		 pdev->msi_enabled ? "MSI" : "INTx", cd->irq, cd->max_len);
	return 0;

out_free_id:
	ida_free(&crc32dev_ida, cd->id);
out_free_irq:
	free_irq(cd->irq, cd);
out_free_vectors:
	pci_free_irq_vectors(pdev);
out_free_buf:
	dma_free_coherent(&pdev->dev, cd->max_len, cd->buf, cd->buf_dma);
out_clear_master:
	pci_clear_master(pdev);
out_unmap:
	pci_iounmap(pdev, cd->regs);
out_release:
	pci_release_regions(pdev);
out_disable:
	pci_disable_device(pdev);
out_free:
	kref_put(&cd->ref, crc32dev_free);
	return ret;
}

/*
 * Undoes probe in reverse.  A file still open keeps the structure (its
 * writes then fail with ENODEV); a job in progress finishes first, as
 * the lock is taken before the device goes.
 */
static void crc32dev_remove(struct pci_dev *pdev)
{
	struct crc32dev *cd = pci_get_drvdata(pdev);

	misc_deregister(&cd->misc);
	mutex_lock(&cd->lock);
	cd->gone = true;
	mutex_unlock(&cd->lock);
	ida_free(&crc32dev_ida, cd->id);
	iowrite32(0, cd->regs + CRC_CTRL);
	free_irq(cd->irq, cd);
	pci_free_irq_vectors(pdev);
	dma_free_coherent(&pdev->dev, cd->max_len, cd->buf, cd->buf_dma);
	pci_clear_master(pdev);
	pci_iounmap(pdev, cd->regs);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	kref_put(&cd->ref, crc32dev_free);
}

static const struct pci_device_id crc32dev_ids[] = {
	{ PCI_DEVICE(0x1234, 0x5c32) },
	{ }
};
MODULE_DEVICE_TABLE(pci, crc32dev_ids);

static struct pci_driver crc32dev_driver = {
	.name = KBUILD_MODNAME,
	.id_table = crc32dev_ids,
	.probe = crc32dev_probe,
	.remove = crc32dev_remove,
};
module_pci_driver(crc32dev_driver);

MODULE_DESCRIPTION("CRC-32 engine modelled in SystemC (sclink examples/pci-driver)");
MODULE_LICENSE("GPL");
