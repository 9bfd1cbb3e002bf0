/** Repository locks as objects: shared for adding data, exclusive for deleting it. */
package dev.cairn.repository.lock;
