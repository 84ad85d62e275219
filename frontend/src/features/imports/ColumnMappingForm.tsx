import { Button, Checkbox, MultiSelect, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { mapColumnsApiV1ImportsImportIdMappingPut, type ImportPreview, type ImportView } from '../../client';
import { describeError } from '../../api/describeError';
import { FormAlert } from '../../components/FormAlert';
import { formatNumber } from '../../i18n/format';
import { buildMapping, layoutFor } from './columns';

function PreviewTable({ columns, rows }: { columns: string[]; rows: string[][] }) {
  const { t } = useTranslation('imports');
  return (
    <Table.ScrollContainer minWidth={360}>
      <Table striped withTableBorder captionSide="top">
        <Table.Caption>{t('mapping.previewCaption')}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            {columns.map((column, index) => (
              <Table.Th key={index}>{column}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.slice(0, 5).map((row, index) => (
            <Table.Tr key={index}>
              {columns.map((_, cell) => (
                <Table.Td key={cell}>{row[cell] ?? ''}</Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The first rows of the upload, and which column is the phone, the name and each variable. */
export function ColumnMappingForm({ preview, onStarted }: { preview: ImportPreview; onStarted: (started: ImportView) => void }) {
  const { t, i18n } = useTranslation('imports');
  const [hasHeader, setHasHeader] = useState(preview.mapping?.has_header ?? preview.has_header);
  const [phone, setPhone] = useState<string | null>(preview.mapping?.phone ?? null);
  const [name, setName] = useState<string | null>(preview.mapping?.name ?? null);
  const [variables, setVariables] = useState<string[]>(Object.values(preview.mapping?.variables ?? {}));
  const [phoneError, setPhoneError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const { columns, rows } = layoutFor(preview, hasHeader);
  const options = columns.map((column) => ({ value: column, label: column }));
  const start = useMutation({
    mutationFn: async () =>
      (
        await mapColumnsApiV1ImportsImportIdMappingPut({
          path: { import_id: preview.id },
          body: buildMapping(phone ?? '', name, variables, hasHeader),
        })
      ).data,
    onSuccess: onStarted,
    onError: (error) => setFormError(describeError(error, t)),
  });

  const changeHeader = (checked: boolean) => {
    // Column names change with the header row: choose again.
    setHasHeader(checked);
    setPhone(null);
    setName(null);
    setVariables([]);
  };

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    setFormError(null);
    if (!phone) return setPhoneError(t('mapping.phoneRequired'));
    setPhoneError(null);
    start.mutate();
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Title order={3} size="h4">
          {t('mapping.title')}
        </Title>
        <Text size="sm">{t('mapping.intro', { rows: formatNumber(preview.layout.rows, i18n.language), file: preview.filename })}</Text>
        <FormAlert message={formError} />
        <Checkbox label={t('mapping.hasHeader')} checked={hasHeader} onChange={(event) => changeHeader(event.currentTarget.checked)} />
        <PreviewTable columns={columns} rows={rows} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select label={t('mapping.phone')} data={options} value={phone} onChange={setPhone} error={phoneError} required allowDeselect={false} />
          <Select label={t('mapping.name')} data={options.filter((option) => option.value !== phone)} value={name} onChange={setName} placeholder={t('mapping.none')} clearable />
        </SimpleGrid>
        <MultiSelect
          label={t('mapping.variables')}
          description={t('mapping.variablesHint', { example: '{{city}}' })}
          data={options.filter((option) => option.value !== phone && option.value !== name)}
          value={variables}
          onChange={setVariables}
          clearable
        />
        <Button type="submit" loading={start.isPending} style={{ alignSelf: 'flex-start' }}>
          {t('mapping.start')}
        </Button>
      </Stack>
    </form>
  );
}
