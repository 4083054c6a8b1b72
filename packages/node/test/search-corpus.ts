/** A fixed corpus of 30 offers from three authors for ranking tests (names, tags, descriptions, receipt ages) */
import { type Author, type TestCatalog, type OfferFields, author, fileIdFor, makeOffer } from './search-fixtures.js'

export const NOW = 1_750_000_000_000
const DAY = 24 * 60 * 60 * 1000
const MB = 1024 * 1024

/** [name, mime, size MB, tags, description, days since this node received it] */
type Row = [string, string, number, string[], string, number]

const ROWS: Row[] = [
  ['Holiday_2019_Beach.mp4', 'video/mp4', 700, ['holiday', 'beach', 'family'], 'Summer holiday at the beach', 2],
  ['holiday-photos-2020.zip', 'application/zip', 120, ['holiday', 'photos'], 'All the photos from the 2020 holiday', 10],
  ['HolidayVideo.mkv', 'video/x-matroska', 900, [], '', 1],
  ['Christmas Holiday Lights.jpg', 'image/jpeg', 3, ['christmas', 'lights'], '', 40],
  ['Beach Sunset.jpg', 'image/jpeg', 4, ['beach', 'sunset'], 'Golden hour', 5],
  ['Annual Report 2023.pdf', 'application/pdf', 2, ['work', 'report'], 'The annual report', 20],
  ['Quarterly report Q3.pdf', 'application/pdf', 1, ['work', 'q3'], '', 3],
  ['report-draft.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 1, ['draft'], 'first draft of the report', 60],
  ['Linux Kernel 6.1.tar.xz', 'application/x-xz', 130, ['linux', 'kernel', 'source'], '', 7],
  ['ubuntu-24.04-desktop-amd64.iso', 'application/x-iso9660-image', 5800, ['linux', 'ubuntu', 'iso'], 'Ubuntu desktop installer image', 4],
  ['debian-12-netinst.iso', 'application/x-iso9660-image', 650, ['linux', 'debian'], '', 30],
  ['Jazz Classics Vol 1.flac', 'audio/flac', 400, ['jazz', 'music'], '', 12],
  ['Jazz at the Beach.mp3', 'audio/mpeg', 90, ['jazz', 'beach', 'live'], 'Live recording', 6],
  ['Rock Anthems.mp3', 'audio/mpeg', 80, ['rock', 'music'], '', 8],
  ['Cooking with Pasta.pdf', 'application/pdf', 15, ['cooking', 'recipes'], 'Italian pasta recipes', 25],
  ['Pasta Recipes Collection.epub', 'application/epub+zip', 5, ['cooking', 'pasta'], '', 9],
  ['Beach Volleyball Highlights.mp4', 'video/mp4', 300, ['sport', 'beach'], '', 3],
  ['Mountain Hiking Trip.mp4', 'video/mp4', 1200, ['hiking', 'mountain', 'holiday'], 'a holiday in the alps', 15],
  ['Family Reunion 2021.mov', 'video/quicktime', 2000, ['family'], '', 50],
  ['Birthday Party.mp4', 'video/mp4', 500, ['family', 'party'], '', 2],
  ['Project Plan.xls', 'application/vnd.ms-excel', 1, ['work', 'plan'], '', 11],
  ['setup.exe', 'application/x-msdownload', 40, ['installer'], 'installer for the holiday planner app', 14],
  ['HolidayPlanner-1.2.dmg', 'application/x-apple-diskimage', 60, ['software', 'planner'], '', 13],
  ['notes.txt', 'text/plain', 0.01, ['notes'], 'notes about the beach house', 1],
  ['vacation_beach_house.jpg', 'image/jpeg', 5, ['beach', 'house'], '', 18],
  ['Ocean Waves Sounds.ogg', 'audio/ogg', 60, ['relax', 'ocean', 'beach'], '', 22],
  ['Holidays in Rome.mkv', 'video/x-matroska', 1500, ['travel', 'rome', 'holiday'], '', 35],
  ['rome-map.pdf', 'application/pdf', 2, ['travel', 'rome', 'map'], '', 35],
  ['Sunset Timelapse.mp4', 'video/mp4', 250, ['sunset', 'timelapse'], '', 6],
  ['Holiday Recipes.pdf', 'application/pdf', 3, ['cooking', 'holiday'], 'recipes for the holidays', 45]
]

export interface Corpus {
  authors: Author[]
  /** content id by name */
  ids: Map<string, string>
}

/** Adds the corpus to a catalog: author i % 3 offers row i, created = row index days before NOW */
export async function loadCorpus (catalog: TestCatalog): Promise<Corpus> {
  const authors = await Promise.all([1, 2, 3].map(author))
  const ids = new Map<string, string>()
  for (const [i, [name, mimeType, sizeMb, tags, description, age]] of ROWS.entries()) {
    const contentId = await fileIdFor(name)
    ids.set(name, contentId)
    const by = authors[i % 3]
    const fields: OfferFields = { name, mimeType, size: Math.round(sizeMb * MB), tags, description, created: NOW - (i + 1) * DAY, modified: NOW - (i + 1) * DAY }
    await catalog.add(by, await makeOffer(by, contentId, fields), { receivedAt: NOW - age * DAY })
  }
  return { authors, ids }
}
