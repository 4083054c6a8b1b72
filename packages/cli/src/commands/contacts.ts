/** `peershare contacts add|ls|rm`: the peers this node knows by name (served its contacts-only files) */
import type { ContactInfo } from '@peershare/client'
import type { CommandContext } from '../context.js'

export type ContactsCommandOptions =
  | { action: 'add', peerId: string, name?: string, json?: boolean }
  | { action: 'ls', json?: boolean }
  | { action: 'rm', peerId: string, json?: boolean }

export async function contacts (options: ContactsCommandOptions, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  if (options.action === 'ls') {
    const list = await client.contacts()
    if (options.json === true) print(JSON.stringify({ contacts: list }))
    else if (list.length === 0) print('No contacts')
    else for (const contact of list) print(line(contact))
    return
  }
  const contact = options.action === 'add' ? await client.addContact(options.peerId, options.name) : await client.removeContact(options.peerId)
  if (options.json === true) print(JSON.stringify(options.action === 'add' ? contact : { removed: contact }))
  else print(`${options.action === 'add' ? 'Contact' : 'Removed'} ${line(contact)}`)
}

function line (contact: ContactInfo): string {
  return contact.name == null ? contact.peerId : `${contact.peerId}  ${contact.name}`
}
