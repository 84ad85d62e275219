import type { ImportPreview } from '../../client';
import { buildMapping, layoutFor, variableName } from './columns';

const preview = {
  has_header: true,
  header: ['Mobile', 'Name', 'City Name'],
  columns: ['Mobile', 'Name', 'City Name'],
  rows: [['0912', 'Sara', 'Tabriz']],
} as ImportPreview;

describe('import columns', () => {
  it('turns a column title into a variable the message can use', () => {
    expect(variableName('City Name')).toBe('City_Name');
    expect(variableName('شهر محل')).toBe('شهر_محل');
    expect(variableName('2024 total')).toBe('v_2024_total');
    expect(variableName('Name')).toBeNull();
  });

  it('reads the header row as data when told there is none', () => {
    expect(layoutFor(preview, true)).toEqual({ columns: ['Mobile', 'Name', 'City Name'], rows: [['0912', 'Sara', 'Tabriz']] });
    expect(layoutFor(preview, false)).toEqual({
      columns: ['col1', 'col2', 'col3'],
      rows: [['Mobile', 'Name', 'City Name'], ['0912', 'Sara', 'Tabriz']],
    });
  });

  it('maps each chosen column under its variable name', () => {
    expect(buildMapping('Mobile', 'Name', ['City Name'], true)).toEqual({
      phone: 'Mobile',
      name: 'Name',
      variables: { City_Name: 'City Name' },
      has_header: true,
    });
  });
});
