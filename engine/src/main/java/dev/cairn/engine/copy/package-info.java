/**
 * Copying restore points from one repository to another (a second region, account or cloud): chunks
 * are read and verified in the source, re-identified and re-encrypted under the target's keys, and
 * stored only where the target lacks them; block maps are rebuilt under the target's ids and each
 * point is committed through the target's normal commit path. Also the bandwidth limit of the
 * target store.
 */
package dev.cairn.engine.copy;
