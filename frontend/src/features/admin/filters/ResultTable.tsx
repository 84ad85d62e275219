import { Table } from '@mantine/core';
import type { ReactNode } from 'react';

interface Props {
  caption: string;
  headers: string[];
  /** Below it, the table scrolls sideways instead of squeezing its columns. */
  minWidth: number;
  children: ReactNode;
}

/** A page of an admin list: a captioned, striped table under its column headers. */
export function ResultTable({ caption, headers, minWidth, children }: Props) {
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table striped verticalSpacing="xs">
        <Table.Caption>{caption}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            {headers.map((header) => (
              <Table.Th key={header}>{header}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{children}</Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
