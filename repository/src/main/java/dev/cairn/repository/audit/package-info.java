/** The audit trail: an encrypted, append-only record of sensitive actions on a repository. */
package dev.cairn.repository.audit;
